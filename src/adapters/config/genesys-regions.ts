/**
 * The Genesys Cloud region hosts, as the SDK lists them (`PureCloudRegionHosts`), so a typo in
 * GENESYS_ENVIRONMENT is caught at start with a suggestion instead of as a DNS error at login.
 */
import platformClient from 'purecloud-platform-client-v2';

export const GENESYS_REGION_HOSTS: readonly string[] = Object.freeze(
  [...new Set(Object.values(platformClient.PureCloudRegionHosts))].sort(),
);

export function isGenesysRegionHost(host: string): boolean {
  return GENESYS_REGION_HOSTS.includes(host.toLowerCase());
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
  const distances = GENESYS_REGION_HOSTS.map((candidate) => editDistance(wanted, candidate));
  const best = Math.min(...distances);
  return GENESYS_REGION_HOSTS.filter((_, index) => distances[index] === best);
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
    `Region hosts: ${GENESYS_REGION_HOSTS.join(', ')}`
  );
}
