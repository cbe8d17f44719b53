/**
 * How the control plane reaches an agent right now: its live gRPC stream (commands are pushed at once), the
 * REST polling of an agent of the original system (commands wait for its next poll), or neither (commands wait
 * until it connects or polls, or expire). Known per process, like the live streams themselves.
 */
export type AgentReach =
  | { via: "stream"; lastPollAt: number | null }
  | { via: "polling"; lastPollAt: number }
  | { via: "none"; lastPollAt: number | null };

/** A polling agent counts as reached while its last poll is within the liveness deadline. */
export function agentReach(
  streaming: boolean,
  lastPollAt: number | null,
  now: number,
  livenessDeadlineMs: number,
): AgentReach {
  if (streaming) return { via: "stream", lastPollAt };
  if (lastPollAt !== null && now - lastPollAt <= livenessDeadlineMs) return { via: "polling", lastPollAt };
  return { via: "none", lastPollAt };
}
