/**
 * Request parameter validation with the constraints of the STS API model, reported the way AWS
 * reports model violations: "Value 'x' at 'roleSessionName' failed to satisfy constraint: …".
 * Every problem in a request is collected, then thrown as one ValidationError.
 */
import { validationErrors } from "./errors.js";

/** Constraints on one string member (from the STS API reference). */
export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  /** The pattern as the API reference prints it; it must match the whole value. */
  pattern?: string;
  /** Leave the value out of the message (AWS does this for sensitive members; a code is one). */
  sensitive?: boolean;
}

/** Reads and checks parameters of one request, collecting problems. */
export interface ParamValidator {
  /** A string parameter, or `undefined` when absent. */
  string(name: string, rule: StringRule): string | undefined;
  /** An integer parameter within `[min, max]`, or `undefined` when absent or invalid. */
  integer(name: string, min: number, max: number): number | undefined;
  /**
   * A Query-protocol list, `Name.member.1`, `Name.member.2`, … (for structures:
   * `Name.member.1.Field`), in index order. Checks `max` entries.
   */
  list(name: string, max: number): Array<{ path: string; prefix: string }>;
  /** Records a problem about `path` (a member path such as `tags.1.member.key`). */
  problem(path: string, value: string | undefined, constraint: string): void;
  /** Checks a value found by {@link ParamValidator.list} against `rule`. */
  check(path: string, value: string | undefined, rule: StringRule): string | undefined;
  /** Throws the collected problems as one ValidationError, if there are any. */
  done(): void;
}

/** Creates a validator over a request's parameters. */
export function createValidator(params: ReadonlyMap<string, string>): ParamValidator {
  const problems: string[] = [];

  const problem = (path: string, value: string | undefined, constraint: string, sensitive = false) => {
    const shown = value === undefined ? "Value null" : sensitive ? "Value" : `Value '${value}'`;
    problems.push(`${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  };

  const check = (path: string, value: string | undefined, rule: StringRule) => {
    if (value === undefined) {
      if (rule.required) problem(path, value, "Member must not be null");
      return undefined;
    }
    const before = problems.length;
    const length = [...value].length;
    if (rule.min !== undefined && length < rule.min) {
      problem(path, value, `Member must have length greater than or equal to ${rule.min}`, rule.sensitive);
    }
    if (rule.max !== undefined && length > rule.max) {
      problem(path, value, `Member must have length less than or equal to ${rule.max}`, rule.sensitive);
    }
    if (rule.pattern !== undefined && !new RegExp(`^(?:${rule.pattern})$`, "u").test(value)) {
      problem(path, value, `Member must satisfy regular expression pattern: ${rule.pattern}`, rule.sensitive);
    }
    return problems.length === before ? value : undefined;
  };

  return {
    string: (name, rule) => check(memberPath(name), params.get(name), rule),

    integer(name, min, max) {
      const raw = params.get(name);
      if (raw === undefined) return undefined;
      const path = memberPath(name);
      const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isNaN(value)) problem(path, raw, "Member must be an integer");
      else if (value < min) problem(path, raw, `Member must have value greater than or equal to ${min}`);
      else if (value > max) problem(path, raw, `Member must have value less than or equal to ${max}`);
      else return value;
      return undefined;
    },

    list(name, max) {
      const indexes = new Set<number>();
      const head = `${name}.member.`;
      for (const key of params.keys()) {
        if (!key.startsWith(head)) continue;
        const index = Number(key.slice(head.length).split(".")[0]);
        if (Number.isInteger(index) && index > 0) indexes.add(index);
      }
      const sorted = [...indexes].sort((a, b) => a - b);
      if (sorted.length > max) {
        problem(
          memberPath(name),
          `[${sorted.length} members]`,
          `Member must have length less than or equal to ${max}`,
        );
      }
      return sorted.map((i) => ({ path: `${memberPath(name)}.${i}.member`, prefix: `${head}${i}` }));
    },

    problem: (path, value, constraint) => problem(path, value, constraint),
    check,

    done() {
      if (problems.length > 0) throw validationErrors(problems);
    },
  };
}

/** `RoleSessionName` → `roleSessionName`, the member name AWS puts in validation messages. */
function memberPath(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
