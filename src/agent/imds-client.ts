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
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * An IMDSv2 client: a session token from PUT /latest/api/token, then reads with the token. The endpoint follows
 * the AWS SDK's convention (AWS_EC2_METADATA_SERVICE_ENDPOINT), so the same code runs on EC2 and against an
 * emulator.
 */
export class ImdsClient {
  private token: { value: string; expiresAt: number } | undefined;
  /** One token request at a time, shared by concurrent reads. */
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly endpoint: string) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ImdsClient {
    return new ImdsClient(
      (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? "http://169.254.169.254").replace(/\/+$/, ""),
    );
  }

  /** The text at meta-data/<path>, or null when the service answers 404 (e.g. no interruption notice). */
  async get(path: string): Promise<string | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.sessionToken();
      const response = await fetch(`${this.endpoint}/latest/meta-data/${path}`, {
        headers: { "x-aws-ec2-metadata-token": token },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status === 404) return null;
      if (response.status === 401) {
        this.token = undefined; // expired or revoked: fetch a new one once
        continue;
      }
      if (!response.ok) throw new Error(`instance metadata ${path}: HTTP ${response.status}`);
      return await response.text();
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
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return Promise.resolve(this.token.value);
    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const response = await fetch(`${this.endpoint}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`instance metadata token: HTTP ${response.status}`);
    this.token = { value: await response.text(), expiresAt: Date.now() + TOKEN_TTL_SECONDS * 1000 };
    return this.token.value;
  }
}
