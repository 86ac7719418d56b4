/**
 * Hook calls without generated code. tapable compiles each hook's call into a new function (`new
 * Function`) the first time the hook is called after a tap was added: fast when a hook runs
 * thousands of times (webpack), but a vsw process calls each hook once or twice, and those
 * compilations were about 0.5 ms of a 25 ms switch, code V8's code cache cannot keep.
 *
 * So the hooks vsw creates call their taps through the plain functions below, which do what
 * tapable's generated code does (tapable 2's HookCodeFactory: same order, same results, same
 * errors) for the cases vsw meets: `call` of the Sync hooks and `promise` of the AsyncSeries hooks,
 * with interceptors that use only `register` and `tap`. Anything else (callAsync, the parallel
 * hooks, `context`, the `call`/`error`/`result`/`done`/`loop` interceptors) goes to tapable's own
 * compile, unchanged. test/hook-calls.test.ts checks both against each other on generated taps.
 */
import type { FullTap } from "tapable";

/** How a hook combines its taps' results. */
export type HookKind = "plain" | "bail" | "waterfall";

interface Interceptor {
  tap?: (tap: FullTap) => void;
  [key: string]: unknown;
}

interface CompileOptions {
  taps: FullTap[];
  interceptors: Interceptor[];
  args: string[];
  type: "sync" | "async" | "promise";
}

/** The parts of a tapable hook used here (tapable's types keep `compile` private). */
interface CompilableHook {
  compile(options: CompileOptions): (...args: unknown[]) => unknown;
}

type TapFn = (...args: unknown[]) => unknown;

/** Interceptor keys acted on at call time that the plain calls do not do: left to tapable. */
const CALL_TIME = ["call", "error", "result", "done", "loop", "context"];

/**
 * Makes `hook` call its taps without generated code, where it can (see the header). `kind` is
 * the hook's class: SyncHook/AsyncSeriesHook "plain", the Bail hooks "bail", the Waterfall hooks
 * "waterfall".
 */
export function callWithoutCodegen<H extends object>(hook: H, kind: HookKind): H {
  const target = hook as unknown as CompilableHook;
  const compile = target.compile;
  target.compile = function (this: CompilableHook, options: CompileOptions) {
    const plain =
      (options.type === "sync" || options.type === "promise") &&
      options.interceptors.every((i) => CALL_TIME.every((key) => i[key] === undefined)) &&
      options.taps.every((tap) => !(tap as { context?: boolean }).context);
    if (!plain) return compile.call(this, options);
    const taps = options.taps.slice();
    const observers = options.interceptors.flatMap((i) => (i.tap ? [i.tap.bind(i)] : []));
    const arity = options.args.length;
    return options.type === "sync"
      ? (...given: unknown[]) => callSync(taps, observers, kind, fixed(given, arity))
      : (...given: unknown[]) => callSeries(taps, observers, kind, fixed(given, arity));
  };
  return hook;
}

/** The call's arguments as the hook declared them: tapable passes exactly that many. */
function fixed(given: unknown[], arity: number): unknown[] {
  if (given.length === arity) return given;
  const args = new Array<unknown>(arity);
  for (let i = 0; i < arity; i++) args[i] = given[i];
  return args;
}

function callSync(
  taps: FullTap[],
  observers: Array<(tap: FullTap) => void>,
  kind: HookKind,
  args: unknown[],
): unknown {
  for (const tap of taps) {
    for (const observe of observers) observe(tap);
    const result = (tap.fn as TapFn)(...args);
    if (result === undefined) continue;
    if (kind === "bail") return result;
    if (kind === "waterfall") args[0] = result;
  }
  return kind === "waterfall" ? args[0] : undefined;
}

async function callSeries(
  taps: FullTap[],
  observers: Array<(tap: FullTap) => void>,
  kind: HookKind,
  args: unknown[],
): Promise<unknown> {
  for (const tap of taps) {
    for (const observe of observers) observe(tap);
    const result = await run(tap, args);
    if (result === undefined) continue;
    if (kind === "bail") return result;
    if (kind === "waterfall") args[0] = result;
  }
  return kind === "waterfall" ? args[0] : undefined;
}

/** One tap of a series, by its type, with tapable's errors for a tap that breaks its contract. */
function run(tap: FullTap, args: unknown[]): unknown {
  const fn = tap.fn as TapFn;
  if (tap.type === "sync") return fn(...args);
  if (tap.type === "async") {
    return new Promise((resolve, reject) => {
      fn(...args, (error: unknown, result: unknown) => (error ? reject(error) : resolve(result)));
    });
  }
  const promise = fn(...args) as PromiseLike<unknown> | undefined;
  if (!promise?.then)
    throw new Error(`Tap function (tapPromise) did not return promise (returned ${promise})`);
  return Promise.resolve(promise).then(undefined, (error: unknown) => {
    throw error ? error : new Error(`Tap function (tapPromise) rejects "${error}" value`);
  });
}
