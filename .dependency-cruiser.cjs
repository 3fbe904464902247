// @ts-check
/**
 * The hexagon's import rules, checked by dependency-cruiser 17 (`npm run lint:deps`, part of
 * `npm run lint`). This file is the one source of truth for what may import what; ESLint keeps
 * only the rules about globals in the domain (clocks, timers, randomness), which an import
 * graph cannot see.
 *
 * Paths are relative to the directory depcruise runs in (the project root), `.js` specifiers
 * resolve to the `.ts` files through tsconfig.json, and type-only imports count: a type import
 * couples two modules just as much as a value import does.
 *
 * Test: test/unit/architecture/layer-rules.test.ts (each rule fires on a deliberately wrong
 * fixture; `src` passes; every KNOWN_VIOLATIONS entry still happens).
 */

/** @param {string} name an npm package name */
const npmPackage = (name) => `(^|/)node_modules/${name.replace(/[.]/g, '\\.')}/`;

/**
 * npm packages the domain may import: pure, well-kept, no I/O, no clock, no randomness.
 * Anything else (a node built-in, a framework, a driver) is a reason to put the code in
 * src/application or in an adapter instead.
 */
const DOMAIN_PACKAGES = [
  // IP address parsing and range classification (the SSRF host policy): pure functions.
  'ipaddr.js',
  // RE2, the linear-time regular expression engine of the blocked patterns
  // (domain/policies/blocked-pattern.ts): a native addon, but computation only (compile a
  // pattern, match a string), deterministic, no I/O, no clock, no randomness.
  're2',
];

/**
 * Packages that do I/O or are frameworks for it. src/application names its needs as ports in
 * src/application/ports; the adapters that implement them are the only ones that import these.
 */
const IO_PACKAGES = [
  'better-sqlite3',
  'pg',
  'fastify',
  '@fastify/[^/]+',
  'undici',
  'ws',
  'winston',
  'purecloud-platform-client-v2',
  'dotenv',
  'commander',
  'cli-progress',
  'prom-client',
  '@nats-io/[^/]+',
  'amqplib',
  // The OpenTelemetry SDK, exporters and resource detectors start threads of work (batching,
  // HTTP export) and read the environment: only src/adapters/telemetry/otel-sdk.ts starts them.
  // src/application traces through @opentelemetry/api alone, a no-op until a provider exists.
  '@opentelemetry/sdk-[^/]+',
  '@opentelemetry/exporter-[^/]+',
  '@opentelemetry/resources',
  '@opentelemetry/context-async-hooks',
];

/**
 * Node built-ins src/application may import. Everything else from node (fs, net, http, dns,
 * child_process, os, process, timers, worker_threads, ...) is I/O or ambient state and belongs
 * behind a port.
 * - crypto: hashing (the ledger's hash chain, content hashes, batch ids, sealed-content
 *   digests) and the audit digest's Ed25519 signature (application/audit/ledger-digest.ts:
 *   sign, verify, parsing PEM keys, and generateKeyPairSync for `gtx audit keygen`). All of it
 *   is computation on bytes in memory, no I/O.
 * - events: only `setMaxListeners` on the delivery pipeline's own AbortSignal
 *   (application/transmission/delivery-pipeline.ts), a listener-count setting, no I/O.
 */
const APPLICATION_BUILTINS = ['crypto', 'events'];

/**
 * The composition root: the only code that combines adapter groups. src/main.ts builds the
 * library's transmitter; src/composition/ builds on it every other runtime (the CLI's services,
 * `gtx serve`, the feed, replay) from settings; src/cli.ts is the `gtx` entry point that hands
 * the CLI its services. Nothing it builds from imports it back (adapters-not-composition-root).
 */
const COMPOSITION_ROOT = ['^src/main\\.ts$', '^src/composition/', '^src/cli\\.ts$'];

/**
 * Adapter code every adapter group may import: small shared infrastructure with no opinion
 * about which outbound adapter is in use. Anything else an adapter group needs from another
 * group is wiring, and wiring happens in the composition root (COMPOSITION_ROOT).
 */
const SHARED_ADAPTER_INFRASTRUCTURE = [
  // The system clock (the Clock port's production implementation).
  '^src/adapters/clock/',
  // Random ids and bytes (the Random / IdGenerator ports' production implementations).
  '^src/adapters/ids/',
  // The winston logger behind the Logger port.
  '^src/adapters/logging/',
  // Reading settings from the environment and .env files; the package's own version.
  '^src/adapters/config/',
  // The one outbound HTTP client (undici) with the SSRF guard built in, used by every adapter
  // that calls out (the webhook sink, attachment downloads, presigned uploads).
  '^src/adapters/outbound-http/',
  // Opening a SQLite file with the project's pragmas, and the options that go with it: shared
  // by every SQLite-backed store (the ledger, genesys/web-messaging's guest session store). The
  // stores themselves (sqlite-ledger.ts, ...) are not shared infrastructure.
  '^src/adapters/sqlite/sqlite-connection\\.ts$',
  '^src/adapters/sqlite/sqlite-ledger-options\\.ts$',
  '^src/adapters/sqlite/sqlite-store-connection\\.ts$',
  // The PostgreSQL database handle (one pool per process and URL) and a small store's hold on
  // it, for the same reason: shared by every PostgreSQL-backed store (the ledger,
  // genesys/web-messaging's guest session store).
  '^src/adapters/postgres/postgres-database\\.ts$',
  '^src/adapters/postgres/postgres-store-connection\\.ts$',
];

/**
 * KNOWN_VIOLATIONS: edges that break a rule and are being fixed, reported as "ignored" instead
 * of failing. Empty: every rule holds. An entry needs a reason and an issue that removes it;
 * test/unit/architecture/layer-rules.test.ts fails while an entry no longer matches anything,
 * so the list can only shrink. Never add one to make new code pass.
 *
 * Each entry: the rule, the importing file, the imported file (or, for a circle, the modules
 * in it), and why it is here.
 */

/**
 * @type {ReadonlyArray<{rule: string, from: string, to: string, why: string} | {rule: 'no-circular', cycle: readonly string[], why: string}>}
 */
const KNOWN_VIOLATIONS = [];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import circles in src: a circle makes module load order matter and two modules ' +
        'one. Break it by importing the specific file, or by moving the shared type to the ' +
        'module both depend on.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment:
        'Every import resolves to a file or an installed package. Also keeps the other rules ' +
        'honest: an import the cruiser cannot resolve cannot break them either.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'domain-is-pure',
      comment:
        'src/domain imports only src/domain and the packages in DOMAIN_PACKAGES: no ' +
        'application, adapter, node built-in, framework or I/O library. (Clocks, timers and ' +
        'randomness as globals are ruled out by ESLint in eslint.config.js.)',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', ...DOMAIN_PACKAGES.map(npmPackage)] },
    },
    {
      name: 'application-not-adapters',
      comment:
        'src/application depends on ports, never on what implements them: no src/adapters, ' +
        'no composition root (src/main.ts, src/composition/, src/cli.ts), no package entry ' +
        '(src/index.ts, which re-exports adapters), no sandbox, no testing kit, no I/O package.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: {
        path: [
          '^src/adapters/',
          ...COMPOSITION_ROOT,
          '^src/index\\.ts$',
          '^src/sandbox/',
          '^src/testing/',
          ...IO_PACKAGES.map(npmPackage),
        ],
      },
    },
    {
      name: 'ports-are-leaves',
      comment:
        'src/application/ports declares interfaces, tokens and the data that crosses them: it ' +
        'imports only other ports, the domain, and type declarations from inversify (tokens) ' +
        'and rxjs (the scheduler type). A port importing a use case is how import circles ' +
        'through ports/index.ts start.',
      severity: 'error',
      from: { path: '^src/application/ports/' },
      to: {
        pathNot: [
          '^src/application/ports/',
          '^src/domain/',
          npmPackage('inversify'),
          npmPackage('rxjs'),
        ],
      },
    },
    {
      name: 'application-no-io-builtins',
      comment:
        'src/application imports only the node built-ins in APPLICATION_BUILTINS (computation, ' +
        'not I/O); files, sockets, processes and timers come in through ports.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: {
        dependencyTypes: ['core'],
        pathNot: `^(node:)?(${APPLICATION_BUILTINS.join('|')})$`,
      },
    },
    {
      name: 'adapters-not-composition-root',
      comment:
        'The composition root (src/main.ts, src/composition/, src/cli.ts) builds the runtimes; ' +
        'nothing it builds from imports it back. Adapters declare what they need (e.g. ' +
        'src/adapters/cli/cli-services.ts) and receive it from the composition root.',
      severity: 'error',
      from: { path: '^src/(adapters|application|domain|sandbox)/' },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'adapter-groups-apart',
      comment:
        'A file in src/adapters/<group>/ imports no other adapter group, except the shared ' +
        'infrastructure in SHARED_ADAPTER_INFRASTRUCTURE. Combining adapter groups is wiring: ' +
        'the composition root does it (src/composition/ and src/main.ts are not adapter groups, ' +
        'so this rule leaves them free to).',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: {
        path: '^src/adapters/',
        pathNot: ['^src/adapters/$1/', ...SHARED_ADAPTER_INFRASTRUCTURE],
      },
    },
    {
      name: 'sandbox-apart',
      comment:
        'src/sandbox (the simulated Genesys side for demos and tests) stands on its own: it ' +
        'imports no adapter, no application code and not the composition root. The other ' +
        'direction (src/application or src/domain importing src/sandbox) is caught by ' +
        'application-not-adapters and domain-is-pure.',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: ['^src/adapters/', '^src/application/', ...COMPOSITION_ROOT] },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are dependencies too (see the header).
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    skipAnalysisNotInRules: true,
    knownViolations: KNOWN_VIOLATIONS.map((known) =>
      'cycle' in known
        ? {
            type: 'cycle',
            rule: { name: known.rule, severity: 'error' },
            from: known.cycle[0] ?? '',
            to: known.cycle[1] ?? '',
            cycle: known.cycle.map((name) => ({ name, dependencyTypes: [] })),
            comment: known.why,
          }
        : {
            type: 'dependency',
            rule: { name: known.rule, severity: 'error' },
            from: known.from,
            to: known.to,
            comment: known.why,
          },
    ),
  },
};
