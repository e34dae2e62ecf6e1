/**
 * DNS lookups of the API's origin names: the data plane's own answer to "where does traffic go?".
 * `SKYLINE_DNS_SERVER` (`ip[:port]`) sends them to a resolver of your choice, e.g. one that is not
 * in the failed region; tests point it at a local DNS server.
 */
import { Resolver } from "node:dns/promises";

/** The A records of `name` (sorted), or the lookup's error code (ENOTFOUND, ETIMEOUT, …). */
export async function resolveAddresses(
  name: string,
  server?: string,
): Promise<{ addresses: string[] } | { error: string }> {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (server) resolver.setServers([server]);
  try {
    return { addresses: (await resolver.resolve4(name)).sort() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? (error as Error).message };
  }
}
