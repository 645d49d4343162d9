/**
 * A real DNS server on loopback (dns2, UDP on a free port) that serves the TXT records a test sets.
 * Point the handlers at it with `DNS_SERVERS` (`startTestStack({ env: { DNS_SERVERS: dns.address } })`,
 * so start it BEFORE the stack): node's resolver then asks it over the wire, exactly as it would
 * ask a public resolver — no mock of the resolver anywhere.
 *
 * Names it knows answer NOERROR with their TXT records; unknown names answer NXDOMAIN; a name
 * marked with `fail(name)` answers SERVFAIL (an unreachable or broken authoritative server).
 */
import dns2 from 'dns2';

const { Packet } = dns2;

export interface DnsTestServer {
  /** `127.0.0.1:<port>`: the value for `DNS_SERVERS`. */
  readonly address: string;
  /** Replaces the TXT records of a name (each record one string, or its character-strings). */
  setTxt(name: string, records: readonly (string | readonly string[])[]): void;
  /** Forgets a name: it answers NXDOMAIN again. */
  remove(name: string): void;
  /** Makes a name answer SERVFAIL. */
  fail(name: string): void;
  /** Questions asked so far, as `TYPE name` (lower-case name, no trailing dot). */
  readonly queries: readonly string[];
  close(): Promise<void>;
}

const canonical = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** Starts the server on 127.0.0.1 and a port the OS picks. */
export async function startDnsServer(): Promise<DnsTestServer> {
  const txt = new Map<string, (readonly string[])[]>();
  const failing = new Set<string>();
  const queries: string[] = [];
  const typeName = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));

  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    if (!question) {
      response.header.rcode = Packet.RCODE.FORMERR;
      void send(response);
      return;
    }
    const name = canonical(question.name);
    queries.push(`${typeName.get(question.type) ?? question.type} ${name}`);
    if (failing.has(name)) {
      response.header.rcode = Packet.RCODE.SERVFAIL;
    } else if (!txt.has(name)) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
    } else if (question.type === Packet.TYPE.TXT) {
      for (const data of txt.get(name)!) {
        response.answers.push(Packet.createResourceFromQuestion(question, { ttl: 60, data: [...data] }));
      }
    }
    // A known name asked for another type: NOERROR with no answers (NODATA, RFC 2308 §2.2).
    void send(response);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();

  return {
    address: `127.0.0.1:${port}`,
    setTxt(name, records) {
      const n = canonical(name);
      failing.delete(n);
      txt.set(
        n,
        records.map((r) => (typeof r === 'string' ? [r] : [...r])),
      );
    },
    remove(name) {
      txt.delete(canonical(name));
      failing.delete(canonical(name));
    },
    fail(name) {
      failing.add(canonical(name));
    },
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
