/**
 * Marks a plugin as not encapsulated, so its hooks, handlers and decorators apply to the instance
 * that registers it (the root): what `fastify-plugin` does, through the `skip-override` property
 * that fastify documents for this (Reference/Plugins.md, "Handle the scope"), without a package
 * this project does not depend on.
 */
export function unencapsulated<T extends (...args: never[]) => unknown>(plugin: T): T {
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  return plugin;
}
