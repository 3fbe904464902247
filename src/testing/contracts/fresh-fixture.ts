import type { ContractTestApi } from './contract-test-api.js';

/**
 * The `it` of a contract suite whose every test gets a fresh fixture from `make`; after the
 * test, whether it passed or not, `close` closes the adapter and the fixture's `cleanup` runs,
 * so the suite needs no hooks from the runner.
 */
export function itWithFreshFixture<F extends { readonly cleanup?: () => Promise<void> }>(
  t: ContractTestApi,
  make: () => Promise<F>,
  close: (fixture: F) => Promise<void>,
): (title: string, body: (fixture: F) => Promise<void>) => void {
  return (title, body) => {
    t.it(title, async () => {
      const fixture = await make();
      try {
        await body(fixture);
      } finally {
        await close(fixture);
        await fixture.cleanup?.();
      }
    });
  };
}
