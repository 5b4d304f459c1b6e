// Module resolve hook of anchor processes: loading quiesce there is a bench bug (it
// would tax the anchor), so it fails loudly instead of being measured.
const QUIESCE = /\/packages\/(core|executor)\//;

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (specifier.startsWith("@quiesce/") || QUIESCE.test(result.url)) {
    throw new Error(
      `an anchor process must not load quiesce: ${specifier} (from ${context.parentURL})`,
    );
  }
  return result;
}
