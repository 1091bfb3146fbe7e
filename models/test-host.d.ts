/**
 * The two host globals models/ tests use — printing parity figures and timing a learning run —
 * and nothing else: models/tsconfig.test.json checks the tests with no Node or DOM types, so a
 * test that reaches for a file or a Node API fails the typecheck. Source files never see this
 * (models/tsconfig.json excludes it).
 */
declare const console: { log(...values: unknown[]): void }
declare const performance: { now(): number }
