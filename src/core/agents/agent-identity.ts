import { invalidArgument } from "../errors/app-error.js";
import { isInstanceType, regionOfZone } from "../pricing/pool.js";
import { optionalIp, optionalText, requireInstanceId, requireText } from "../validation/validate.js";
import type { AgentIdentity } from "./agent.js";

/** An agent's self-description, checked field by field; the region follows from the zone when not given. */
export function validateIdentity(input: AgentIdentity): AgentIdentity {
  const instanceType = requireText("instance_type", input.instanceType, 64);
  if (!isInstanceType(instanceType))
    throw invalidArgument(`instance_type "${instanceType}" is not an EC2 instance type`);
  const availabilityZone = requireText("availability_zone", input.availabilityZone, 64);
  const zoneRegion = regionOfZone(availabilityZone);
  if (!zoneRegion)
    throw invalidArgument(`availability_zone "${availabilityZone}" is not an availability zone`);
  const region = input.region?.trim() || zoneRegion;
  if (region !== zoneRegion) {
    throw invalidArgument(`availability_zone ${availabilityZone} is not in region ${region}`);
  }
  if (!["spot", "ondemand", "unknown"].includes(input.mode))
    throw invalidArgument("mode must be spot, ondemand or unknown");
  return {
    logicalAgentId: requireText("logical_agent_id", input.logicalAgentId, 255),
    instanceId: requireInstanceId("instance_id", input.instanceId),
    instanceType,
    region,
    availabilityZone,
    mode: input.mode,
    agentVersion: optionalText("agent_version", input.agentVersion, 32) ?? "unknown",
    privateIp: optionalIp("private_ip", input.privateIp),
    publicIp: optionalIp("public_ip", input.publicIp),
    hostname: optionalText("hostname", input.hostname, 255),
    amiId: optionalText("ami_id", input.amiId, 64),
    reregister: input.reregister,
  };
}
