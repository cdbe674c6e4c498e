/**
 * Stands in for `react-devtools-core` in the compiled binary. Ink imports it only when DEV=true
 * (React DevTools), but `bun build --compile` resolves every import at build time, and the
 * package is not a dependency; tsconfig `paths` maps it here.
 */
export default {
  initialize(): void {},
  connectToDevTools(): void {},
};
