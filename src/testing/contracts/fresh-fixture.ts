import type { ContractTestApi } from './contract-test-api.js';

/**
 * The `it` of a contract suite whose every test gets a fresh fixture from `make`; `dispose`
 * runs after the test whether it passed or not, so the suite needs no hooks from the runner.
 */
export function itWithFreshFixture<F>(
  t: ContractTestApi,
  make: () => Promise<F>,
  dispose: (fixture: F) => Promise<void>,
): (title: string, body: (fixture: F) => Promise<void>) => void {
  return (title, body) => {
    t.it(title, async () => {
      const fixture = await make();
      try {
        await body(fixture);
      } finally {
        await dispose(fixture);
      }
    });
  };
}
