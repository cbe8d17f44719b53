import { MetadataService } from "@aws-sdk/ec2-metadata-service";

/** The instance as its metadata service describes it. */
export interface InstanceIdentity {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  region: string;
  lifecycle: "spot" | "ondemand";
  amiId: string | null;
  privateIp: string | null;
  publicIp: string | null;
  hostname: string | null;
}

export interface InstanceAction {
  action: string;
  time: number | null;
}

const TOKEN_TTL_SECONDS = 21_600;
/** A token this close to its end is replaced before the next read. */
const TOKEN_REFRESH_MARGIN_MS = 60_000;
const REQUEST_TIMEOUT_MS = 2_000;
const TOKEN_HEADER = "x-aws-ec2-metadata-token";

/** The HTTP status of a failed MetadataService call, when the service answered at all. */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Instance metadata over IMDSv2, with AWS's own client (@aws-sdk/ec2-metadata-service): it finds the endpoint as
 * the SDK does (AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's ec2_metadata_service_endpoint, else
 * 169.254.169.254), so the same code runs on EC2 and against an emulator, and retries what fails on the way.
 * That client asks for a new session token before every read; this one keeps a token for its TTL (a once-a-second
 * interruption poll would otherwise double its requests) and fetches a new one when it nears its end or the
 * service refuses it (401).
 */
export class ImdsClient {
  private readonly service: MetadataService;
  private token: { value: string; expiresAt: number } | undefined;
  /** One token request at a time, shared by concurrent reads. */
  private tokenRequest: Promise<string> | undefined;

  /** `endpoint` overrides the SDK's resolution (tests). */
  constructor(endpoint?: string) {
    this.service = new MetadataService({
      endpoint,
      httpOptions: { timeout: REQUEST_TIMEOUT_MS },
      tokenTtl: TOKEN_TTL_SECONDS,
      // The token is this client's to keep (see sessionToken); reads carry it, and IMDSv1 is never used.
      disableFetchToken: true,
      ec2MetadataV1Disabled: false,
      // A link-local service: a failed request is retried soon, or the next poll asks again.
      retries: 2,
      backoff: (failures) => 0.1 * 2 ** failures,
    });
  }

  /** The text at meta-data/<path>, or null when the service answers 404 (e.g. no interruption notice). */
  async get(path: string): Promise<string | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.sessionToken();
      try {
        // No leading slash: the client joins it to the endpoint's path ("/").
        return await this.service.request(`latest/meta-data/${path}`, { headers: { [TOKEN_HEADER]: token } });
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return null;
        if (status === 401 && attempt === 0) {
          this.token = undefined; // expired or revoked: fetch a new one once
          continue;
        }
        throw new Error(`instance metadata ${path}: ${status ? `HTTP ${status}` : (error as Error).message}`);
      }
    }
    throw new Error(`instance metadata ${path}: token refused`);
  }

  async identity(): Promise<InstanceIdentity> {
    const read = async (path: string) => (await this.get(path))?.trim() || null;
    const [
      instanceId,
      instanceType,
      availabilityZone,
      region,
      lifecycle,
      amiId,
      privateIp,
      publicIp,
      hostname,
    ] = await Promise.all([
      read("instance-id"),
      read("instance-type"),
      read("placement/availability-zone"),
      read("placement/region"),
      read("instance-life-cycle"),
      read("ami-id"),
      read("local-ipv4"),
      read("public-ipv4"),
      read("local-hostname"),
    ]);
    if (!instanceId || !instanceType || !availabilityZone) {
      throw new Error("instance metadata has no instance id, type or availability zone");
    }
    return {
      instanceId,
      instanceType,
      availabilityZone,
      region: region ?? availabilityZone.replace(/[a-z]$/, ""),
      lifecycle: lifecycle === "spot" ? "spot" : "ondemand",
      amiId,
      privateIp,
      publicIp,
      hostname,
    };
  }

  /** The 2-minute interruption notice, or null while there is none. */
  async instanceAction(): Promise<InstanceAction | null> {
    const text = await this.get("spot/instance-action");
    if (text === null) return null;
    try {
      const parsed = JSON.parse(text) as { action?: string; time?: string };
      const time = parsed.time ? Date.parse(parsed.time) : Number.NaN;
      return { action: parsed.action ?? "terminate", time: Number.isFinite(time) ? time : null };
    } catch {
      return { action: "terminate", time: null };
    }
  }

  /** The time of the rebalance recommendation, or null while there is none. */
  async rebalanceRecommendation(): Promise<{ noticeTime: number | null } | null> {
    const text = await this.get("events/recommendations/rebalance");
    if (text === null) return null;
    try {
      const parsed = JSON.parse(text) as { noticeTime?: string };
      const time = parsed.noticeTime ? Date.parse(parsed.noticeTime) : Number.NaN;
      return { noticeTime: Number.isFinite(time) ? time : null };
    } catch {
      return { noticeTime: null };
    }
  }

  private sessionToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + TOKEN_REFRESH_MARGIN_MS)
      return Promise.resolve(this.token.value);
    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const requestedAt = Date.now();
    let value: string;
    try {
      value = await this.service.fetchMetadataToken();
    } catch (error) {
      throw new Error(`instance metadata token: ${(error as Error).message}`);
    }
    this.token = { value, expiresAt: requestedAt + TOKEN_TTL_SECONDS * 1000 };
    return value;
  }
}
