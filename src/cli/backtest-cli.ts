import { Command } from "@commander-js/extra-typings";

export const BACKTEST_HELP = `Usage: spot-optimizer backtest --prices <file.csv.gz> [options]

Replays a fleet through the decision engine on a price history, once per policy, side by side: every policy meets
the same prices and the same seeded interruptions (per pool and hour, from the Spot Advisor bands).

  --prices <file>                  price history in the format of spot-prices-*.csv.gz (required)
  --from <time>, --to <time>       replay window, ISO 8601 (default: 7 days after the first row, when the model's
                                   features have a full week of history, to the last row)
  --pools <patterns>               pools the fleet may use: pool ids, instance types, * wildcards (repeatable)
  --policy <name>                  model, rules, greedy, static, capacity-optimized, hindsight or all (repeatable;
                                   default all). static and hindsight always run: they bound the headroom. The
                                   model also runs without forecasts (model-no-forecast) or, when its forecasts
                                   weigh nothing, at full weight (model-forecast): the difference is what the
                                   forecasts earn (forecast gain)
  --seed <n>                       seed of the interruption draws (default 1)
  --fleet <sizes>                  workloads as <vCPUs>x<GiB>, comma separated (default: 2x4, 2x8, 2x16, 4x16, 8x32,
                                   two of each, the second starting 36 h later)
  --model <file.onnx>              model for the model policy (default: the committed one)
  --forecast-weight <0..1>         how much the model row's expected prices take of the forecasts (default: the
                                   weight the model's training chose on validation weeks)
  --perfect-forecast               diagnosis: also run the model policy on the realised future mean price over the
                                   model's horizon (perfect-forecast): the most any forecast could add here
  --switch-penalty-minutes <n>     disruption per switch, in minutes of the target's on-demand price (default 10)
  --interruption-penalty-hours <n> cost per interruption, in hours of on-demand (default 1)
  --terminate-wait <seconds>       how long the old instance runs after a switch (default 300)
  --json <file>                    write the results as a JSON array, one object per policy
  -h, --help                       show this help
`;

/**
 * `spot-optimizer backtest`: its options, typed (each described in BACKTEST_HELP, which a test checks); the replay
 * itself is loaded only when it runs.
 */
export function backtestCommand(fail: (message: string) => never) {
  const command = new Command("backtest")
    .summary("replay a fleet through the decision engine on a price history, per policy")
    .option("--prices <file>")
    .option("--from <time>")
    .option("--to <time>")
    .option("--pools <patterns...>")
    .option("--policy <name...>")
    .option("--seed <n>")
    .option("--fleet <sizes>")
    .option("--model <file>")
    .option("--forecast-weight <weight>")
    .option("--perfect-forecast")
    .option("--switch-penalty-minutes <n>")
    .option("--interruption-penalty-hours <n>")
    .option("--terminate-wait <seconds>")
    .option("--json <file>");
  return command.action(async (options) => {
    const { runBacktestCommand } = await import("../sim/backtest-command.js");
    await runBacktestCommand(options, fail);
  });
}

export type BacktestOptions = ReturnType<ReturnType<typeof backtestCommand>["opts"]>;
