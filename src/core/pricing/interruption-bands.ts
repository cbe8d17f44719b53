/**
 * Long-run interruption risk of a pool as the AWS Spot Advisor publishes it: band 0 (<5 % of instances
 * interrupted per month) to 4 (>20 %), null when unknown. A port: the data ships with the AWS adapter.
 */
export interface InterruptionBands {
  band(region: string, instanceType: string): number | null;
}
