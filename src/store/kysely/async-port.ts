/**
 * The asynchronous form of a repository port: every method answers a promise. Branch i15 turns the ports of
 * src/core into exactly this shape (plus AgentRepository.lockForUpdate); until it is merged, the Kysely
 * repositories are typed against the synchronous ports through this, and then against the ports themselves.
 */
export type AsyncPort<Port> = {
  [Method in keyof Port]: Port[Method] extends (...args: infer Args) => infer Result
    ? (...args: Args) => Promise<Awaited<Result>>
    : Port[Method];
};
