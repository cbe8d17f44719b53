import fc from "fast-check";
import { JOB_NAMES } from "../../src/jobs/background-jobs.js";
import type { FuzzWorld } from "./fuzz-seed.js";
import { anyJson, bodyFor, NASTY_STRINGS, nastyString, type ValueHints } from "./json-schema-arbitrary.js";

/** One route as the fuzz sees it: Hono's method and path, and what the OpenAPI document says of it. */
export interface FuzzRoute {
  method: string;
  /** Hono's path, e.g. /api/client/:clientId/agents. */
  path: string;
  operation?: {
    security?: Array<Record<string, unknown>>;
    parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }>;
    requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  };
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** For failure messages. */
  describe: string;
}

/** Percent-encodings a URL decoder chokes on, sent as they are. */
const BROKEN_ENCODINGS = ["%", "%ZZ", "%E0%A4%A", "%C0%AF", "%FF", "a%2Fb", "%252e%252e"];

const RAW_BODIES = [
  "{",
  "[1,2",
  "null",
  "12",
  '"text"',
  "\u0000",
  "true",
  "{}garbage",
  `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
  `{"a":"${"x".repeat(200_000)}"}`,
  '{"__proto__":{"isAdmin":true}}',
];

/** encode, with lone surrogates (which it refuses) replaced first. */
function encode(value: string): string {
  return encodeURIComponent(
    value.replace(/[\uD800-\uDFFF]/g, (unit, offset: number, all: string) => {
      const code = unit.charCodeAt(0);
      const next = all.charCodeAt(offset + 1);
      const previous = all.charCodeAt(offset - 1);
      const paired =
        (code < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) ||
        (code >= 0xdc00 && previous >= 0xd800 && previous < 0xdc00);
      return paired ? unit : "\uFFFD";
    }),
  );
}

function idsFor(name: string, world: FuzzWorld): fc.Arbitrary<string> {
  const pools: Record<string, readonly string[]> = {
    clientId: [world.clientId, world.otherClientId],
    agentId: [...world.agentIds, world.otherAgentId],
    instanceId: world.instanceIds,
    commandId: world.commandIds,
    replicaId: world.replicaIds,
    notificationId: world.notificationIds.length > 0 ? world.notificationIds : ["1"],
    name: JOB_NAMES,
  };
  const known = pools[name] ?? ["x"];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known).map((value) => encode(String(value))) },
    { weight: 3, arbitrary: nastyString.map((value) => encode(value) || "x") },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_ENCODINGS) },
  );
}

function hintsFor(world: FuzzWorld): ValueHints {
  return {
    instance_id: fc.constantFrom(...world.instanceIds),
    agent_id: fc.constantFrom(...world.agentIds),
    command_id: fc.constantFrom(...world.commandIds),
    replica_id: fc.constantFrom(...world.replicaIds),
    pool_id: fc.constantFrom("m5.large.us-east-1b", "m5.large.us-east-1c", "c5.large.us-east-1a"),
    target_pool_id: fc.constantFrom("m5.large.us-east-1b", "m5.large.us-east-1c"),
  };
}

function queryFor(route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<string> {
  const declared = (route.operation?.parameters ?? []).filter((parameter) => parameter.in === "query");
  const hints = hintsFor(world);
  const pair = fc.oneof(
    ...(declared.length > 0
      ? [
          fc
            .tuple(
              fc.constantFrom(...declared),
              fc.oneof(
                fc.constantFrom(...NASTY_STRINGS.slice(0, 25)),
                fc.integer({ min: -10, max: 1_000 }).map(String),
                anyJson.map((value) => JSON.stringify(value) ?? ""),
              ),
            )
            .map(([parameter, value]) => `${parameter.name}=${encode(value)}`),
          ...declared.map((parameter) => {
            const hint = hints[parameter.name];
            return (hint ?? fc.string({ maxLength: 10 })).map(
              (value) => `${parameter.name}=${encode(String(value))}`,
            );
          }),
        ]
      : []),
    fc.tuple(nastyString, nastyString).map(([key, value]) => `${encode(key)}=${encode(value)}`),
    fc.constantFrom(...BROKEN_ENCODINGS).map((broken) => `${declared[0]?.name ?? "q"}=${broken}`),
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) => (pairs.length > 0 ? `?${pairs.join("&")}` : ""));
}

/** Any request a careless or hostile caller could send to `route`: mostly the route's own shape, broken. */
export function requestFor(
  route: FuzzRoute,
  world: FuzzWorld,
  adminToken: string,
): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
  const params = fc.tuple(...names.map((name) => idsFor(name, world)));
  const security = Object.keys(route.operation?.security?.[0] ?? {})[0];
  const rightToken =
    security === "adminToken" ? adminToken : security === "clientToken" ? world.token : undefined;
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constant(rightToken) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(undefined, "", "garbage-token", adminToken, world.token, world.otherToken),
    },
  );
  const schema = route.operation?.requestBody?.content["application/json"].schema;
  const body = fc.oneof(
    {
      weight: 6,
      arbitrary: bodyFor(schema, hintsFor(world)).map((value) => JSON.stringify(value) ?? "null"),
    },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant("application/json") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=x",
      ),
    },
  );
  const withBody = route.method !== "GET";
  return fc
    .record({
      params,
      query: queryFor(route, world),
      auth,
      body: withBody ? body : fc.constant(undefined),
      contentType,
      scheme: fc.oneof(
        { weight: 12, arbitrary: fc.constant("Bearer") },
        { weight: 1, arbitrary: fc.constantFrom("bearer", "Basic", "") },
      ),
    })
    .map(({ params: values, query, auth: token, body: text, contentType: type, scheme }) => {
      let index = 0;
      const path = route.path.replace(/:(\w+)(\{[^}]*\})?\??/g, () => values[index++] as string) + query;
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = scheme ? `${scheme} ${token}` : token;
      if (text !== undefined && type !== undefined) headers["content-type"] = type;
      return {
        method: route.method,
        path,
        headers,
        body: text,
        describe: `${route.method} ${path.slice(0, 300)} auth=${token === rightToken ? "right" : String(token).slice(0, 12)} type=${type} body=${(text ?? "").slice(0, 300)}`,
      };
    });
}
