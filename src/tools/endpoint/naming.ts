/**
 * @module tools/endpoint/naming
 * The names an endpoint's tools are listed under, the same whatever order their connections opened in:
 * 1. the tool's own name made a valid function name (`calculator`): XiaoZhi users' prompts name their tools;
 * 2. a name two connections share becomes `<label>_<tool>` for each of them (`calc_add`, `calc_2_add`);
 * 3. anything still shared gets `_2`, `_3`, … in label-then-tool order.
 * The original name stays on the descriptor and is what the tool side is called with.
 */
import { firstFreeName, MAX_TOOL_NAME_LENGTH, toFunctionName } from "../naming";

/** One tool of one connection. */
export interface EndpointToolRef {
  label: string;
  tool: string;
}

/** The listed name of each of `refs`, in their order. */
export function endpointToolNames(refs: readonly EndpointToolRef[]): string[] {
  const plain = refs.map((ref) => fit(toFunctionName(ref.tool)));
  const count = new Map<string, number>();
  for (const name of plain) count.set(name, (count.get(name) ?? 0) + 1);
  const wanted = refs.map((ref, i) =>
    count.get(plain[i]!) === 1 ? plain[i]! : fit(`${toFunctionName(ref.label)}_${plain[i]!}`),
  );
  const order = refs.map((_, i) => i).sort((a, b) => compare(refs[a]!, refs[b]!));
  const taken = new Set<string>();
  const names: string[] = new Array<string>(refs.length);
  for (const i of order) {
    const name = firstFreeName(wanted[i]!, taken);
    taken.add(name);
    names[i] = name;
  }
  return names;
}

function fit(name: string): string {
  return name.slice(0, MAX_TOOL_NAME_LENGTH) || "_";
}

function compare(a: EndpointToolRef, b: EndpointToolRef): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0;
}
