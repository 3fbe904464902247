/**
 * The Genesys Cloud region hosts, as the SDK lists them (`PureCloudRegionHosts`), so a typo in
 * GENESYS_ENVIRONMENT is caught at start with a suggestion instead of as a DNS error at login.
 */
import { genesysSdk } from './genesys-sdk-module.js';

let regionHosts: readonly string[] | null = null;

/** Read from the SDK the first time a host is checked, so importing config loads no SDK. */
export function genesysRegionHosts(): readonly string[] {
  regionHosts ??= Object.freeze(
    [...new Set(Object.values(genesysSdk().PureCloudRegionHosts))].sort(),
  );
  return regionHosts;
}

export function isGenesysRegionHost(host: string): boolean {
  return genesysRegionHosts().includes(host.toLowerCase());
}

/** Edit distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The region hosts closest to `host` by edit distance (several when they tie). */
export function nearestRegionHosts(host: string): string[] {
  const wanted = host.toLowerCase();
  const distances = genesysRegionHosts().map((candidate) => editDistance(wanted, candidate));
  const best = Math.min(...distances);
  return genesysRegionHosts().filter((_, index) => distances[index] === best);
}

/** Why `host` is not a region host, with the nearest ones and the list; null when it is one. */
export function regionHostProblem(host: string): string | null {
  if (isGenesysRegionHost(host)) return null;
  const nearest = nearestRegionHosts(host);
  const suggestion =
    nearest.length === 1
      ? nearest.join('')
      : `${nearest.slice(0, -1).join(', ')} or ${nearest.at(-1) ?? ''}`;
  return (
    `is not a Genesys Cloud region host (got "${host}"; did you mean ${suggestion}?). ` +
    `Region hosts: ${genesysRegionHosts().join(', ')}`
  );
}
