import { EctErrorCodes as C, type EctClaims, EctConfigError } from "ect-core";
import { base64urlEncode } from "ect-core/internal";
import { describe, expect, it } from "vitest";
import {
  ancestors,
  buildGraph,
  buildGraphAsync,
  criticalPath,
  descendants,
  findCycle,
  layers,
  leaves,
  loadAncestorGraph,
  loadWorkflowGraph,
  roots,
  topologicalOrder,
} from "../src/index.js";
import { chain, ect, T0, TestStore, uuid } from "./fixtures/memory-store.js";
import { id, node, tripWorkflow, WID } from "./fixtures/workflows.js";

const utf8 = new TextEncoder();
const unsigned = (claims: EctClaims) => base64urlEncode(utf8.encode(JSON.stringify(claims)));
const jws = (claims: EctClaims) =>
  `${base64urlEncode(utf8.encode(JSON.stringify({ alg: "ES256", typ: "exec+jwt", kid: "k" })))}.${unsigned(claims)}.AAAA`;
const acts = (nodes: readonly { execAct: string | undefined }[]) => nodes.map((n) => n.execAct);

describe("buildGraph", () => {
  it("builds from claims, unsigned and signed tokens, and stored entries alike", () => {
    const [a, b, c, d, e] = tripWorkflow();
    const entry = { seq: 4, jti: d!.jti, wid: WID, iss: d!.iss, claims: d!, token: "t4", ingestedAt: 0 };
    const graph = buildGraph([a!, unsigned(b!), jws(c!), entry, { claims: e! }]);
    expect(graph.size).toBe(5);
    expect(acts(graph.nodes)).toEqual(["plan-trip", "search-flights", "search-hotels", "book", "notify"]);
    expect(graph.nodes[1]!.token).toBe(unsigned(b!));
    expect(graph.nodes[3]!.token).toBe("t4");
    expect(acts(graph.parents(id(4)))).toEqual(["search-flights", "search-hotels"]);
    expect(acts(graph.children(id(1)))).toEqual(["search-flights", "search-hotels"]);
    expect(Object.isFrozen(graph.nodes[0])).toBe(true);
  });

  it("builds from an async iterable and from a store listing a workflow", async () => {
    async function* stream() {
      yield* tripWorkflow();
    }
    expect((await buildGraphAsync(stream())).size).toBe(5);
    expect((await buildGraphAsync(Promise.resolve(tripWorkflow()))).size).toBe(5);
    const store = new TestStore().put(...tripWorkflow(), ect({ wid: uuid() }));
    const graph = await loadWorkflowGraph({ store, wid: WID });
    expect(graph.size).toBe(5);
  });

  it("names the input index when a token is malformed", () => {
    expect(() => buildGraph([tripWorkflow()[0]!, "a.b"])).toThrowError(
      expect.objectContaining({ code: C.MALFORMED, message: expect.stringContaining("graph input 1") }),
    );
  });

  it.each([
    ["a number", 42, C.MALFORMED],
    ["claims without jti", { exec_act: "x", pred: [] }, C.JTI_INVALID],
    ["a string pred", { jti: uuid(), pred: uuid() }, C.PRED_INVALID],
    ["a numeric wid", { jti: uuid(), wid: 5, pred: [] }, C.WID_INVALID],
  ])("refuses %s", (_name, input, code) => {
    expect(() => buildGraph([input as never])).toThrowError(expect.objectContaining({ code }));
  });

  it("refuses two inputs with the same (wid, jti), in any case", () => {
    const a = ect({ wid: WID });
    expect(() => buildGraph([a, { ...a, jti: a.jti.toUpperCase(), wid: WID.toUpperCase() }])).toThrowError(
      expect.objectContaining({ code: C.DAG_DUPLICATE_JTI }),
    );
  });

  it("resolves pred in the child's own wid scope only, and reports the rest as unresolved", () => {
    const shared = uuid();
    const inOther = ect({ jti: shared, wid: uuid() });
    const child = ect({ wid: WID, pred: [shared.toUpperCase()] });
    const graph = buildGraph([inOther, child]);
    expect(graph.parents(child.jti)).toEqual([]);
    expect(graph.unresolved(child.jti)).toEqual([shared.toUpperCase()]);
  });

  it("finds nodes by jti in any case, by { wid, jti } and by node; refuses an ambiguous jti", () => {
    const jti = uuid();
    const w1 = ect({ jti, wid: uuid(), exec_act: "one" });
    const w2 = ect({ jti, wid: uuid(), exec_act: "two" });
    const graph = buildGraph([w1, w2, ...tripWorkflow()]);
    expect(graph.node(id(3).toUpperCase()).execAct).toBe("search-hotels");
    expect(graph.node({ wid: w2.wid!, jti: jti.toUpperCase() }).execAct).toBe("two");
    expect(graph.node(graph.nodes[0]!).execAct).toBe("one");
    expect(() => graph.node(jti)).toThrowError(expect.objectContaining({ code: C.CONFIG_INVALID }));
    expect(graph.find(uuid())).toBeUndefined();
    expect(() => graph.node(uuid())).toThrowError(expect.objectContaining({ code: C.CONFIG_INVALID }));
    const foreign = buildGraph([ect({ jti: id(1), wid: WID })]).nodes[0]!;
    expect(graph.find(foreign)).toBeUndefined();
  });
});

describe("graph queries", () => {
  const diamond = () => {
    const root = ect({ exec_act: "root" });
    const a = ect({ exec_act: "a", pred: [root.jti], iat: T0 + 2 });
    const b = ect({ exec_act: "b", pred: [root.jti], iat: T0 + 1 });
    const join = ect({ exec_act: "join", pred: [a.jti, b.jti], iat: T0 + 3 });
    return { root, a, b, join, graph: buildGraph([join, a, b, root]) };
  };

  it("lists ancestors nearest first, a shared ancestor once", () => {
    const { join, graph } = diamond();
    expect(acts(ancestors(graph, join.jti))).toEqual(["a", "b", "root"]);
  });

  it("lists descendants nearest first, a shared descendant once", () => {
    const { root, a, graph } = diamond();
    expect(acts(descendants(graph, root.jti))).toEqual(["a", "b", "join"]);
    expect(acts(descendants(graph, a.jti))).toEqual(["join"]);
  });

  it("finds every root and leaf", () => {
    const many = Array.from({ length: 5 }, (_, i) => ect({ exec_act: `root-${i}` }));
    const join = ect({ exec_act: "join", pred: many.map((r) => r.jti) });
    const lone = ect({ exec_act: "lone" });
    const orphan = ect({ exec_act: "orphan", pred: [uuid()] });
    const graph = buildGraph([...many, join, lone, orphan]);
    expect(acts(roots(graph))).toEqual(["root-0", "root-1", "root-2", "root-3", "root-4", "lone", "orphan"]);
    expect(acts(leaves(graph))).toEqual(["join", "lone", "orphan"]);
  });

  it("orders topologically, earlier iat first among ready nodes", () => {
    const { graph } = diamond();
    expect(acts(topologicalOrder(graph))).toEqual(["root", "b", "a", "join"]);
    expect(acts(topologicalOrder(buildGraph(tripWorkflow().reverse())))).toEqual([
      "plan-trip",
      "search-flights",
      "search-hotels",
      "book",
      "notify",
    ]);
  });

  it("groups a fork and join into layers by longest path", () => {
    const skip = node(6, "audit", [1, 5], 50);
    const graph = buildGraph([...tripWorkflow(), skip]);
    expect(layers(graph).map(acts)).toEqual([
      ["plan-trip"],
      ["search-flights", "search-hotels"],
      ["book"],
      ["notify"],
      ["audit"],
    ]);
  });

  it("follows the latest predecessor for the critical path", () => {
    const graph = buildGraph(tripWorkflow());
    expect(acts(criticalPath(graph))).toEqual(["plan-trip", "search-hotels", "book", "notify"]);
    expect(acts(criticalPath(graph, { to: id(2) }))).toEqual(["plan-trip", "search-flights"]);
    expect(criticalPath(buildGraph([]))).toEqual([]);
  });

  it("finds a cycle and refuses to order it", () => {
    const a = ect({ exec_act: "a" });
    const b = ect({ exec_act: "b", pred: [a.jti] });
    const looped = { ...a, pred: [b.jti] };
    const graph = buildGraph([looped, b, ect({ exec_act: "c", pred: [b.jti] })]);
    expect(acts(findCycle(graph)!).sort()).toEqual(["a", "b"]);
    expect(() => topologicalOrder(graph)).toThrowError(expect.objectContaining({ code: C.DAG_CYCLE }));
    expect(() => layers(graph)).toThrowError(expect.objectContaining({ code: C.DAG_CYCLE }));
    expect(acts(criticalPath(graph)).length).toBeLessThanOrEqual(3);
    const self = ect({ exec_act: "self" });
    const selfLoop = buildGraph([{ ...self, pred: [self.jti] }]);
    expect(acts(findCycle(selfLoop)!)).toEqual(["self"]);
  });

  it("handles a chain of 10000 without recursion", () => {
    const nodes = chain(10_000);
    const graph = buildGraph(nodes);
    expect(ancestors(graph, nodes[9_999]!.jti)).toHaveLength(9_999);
    expect(descendants(graph, nodes[0]!.jti)).toHaveLength(9_999);
    expect(topologicalOrder(graph)[9_999]!.jti).toBe(nodes[9_999]!.jti);
    expect(layers(graph)).toHaveLength(10_000);
    expect(criticalPath(graph)).toHaveLength(10_000);
    expect(findCycle(graph)).toBeUndefined();
  });
});

describe("loadAncestorGraph", () => {
  it("loads a node and its stored ancestors by key lookups, roots first", async () => {
    const store = new TestStore().put(...tripWorkflow(), node(9, "unrelated", [], 5));
    const graph = await loadAncestorGraph({ store, wid: WID, jti: id(4).toUpperCase() });
    expect(acts(topologicalOrder(graph))).toEqual(["plan-trip", "search-flights", "search-hotels", "book"]);
    expect(graph.nodes[0]!.execAct).toBe("plan-trip");
    expect(store.lookups).toBe(4);
  });

  it("keeps predecessors that are not stored as unresolved", async () => {
    const missing = uuid();
    const a = ect({ exec_act: "a", pred: [missing] });
    const b = ect({ exec_act: "b", pred: [a.jti] });
    const graph = await loadAncestorGraph({ store: new TestStore().put(a, b), wid: null, jti: b.jti });
    expect(graph.unresolved(a.jti)).toEqual([missing]);
    expect(roots(graph).map((n) => n.execAct)).toEqual(["a"]);
  });

  it("stops past maxTraversal and on an unknown node", async () => {
    const nodes = chain(20);
    const store = new TestStore().put(...nodes);
    const tip = nodes[19]!.jti;
    expect((await loadAncestorGraph({ store, wid: null, jti: tip, maxTraversal: 19 })).size).toBe(20);
    await expect(loadAncestorGraph({ store, wid: null, jti: tip, maxTraversal: 18 })).rejects.toMatchObject({
      code: C.DAG_TRAVERSAL_LIMIT,
    });
    await expect(loadAncestorGraph({ store, wid: null, jti: uuid() })).rejects.toMatchObject({
      code: C.CONFIG_INVALID,
    });
    // Option mistakes: an EctConfigError (a TypeError, code ECT_CONFIG_INVALID) naming the option.
    for (const [options, option] of [
      [{ maxTraversal: -1 }, "maxTraversal"],
      [{ maxTraversal: 1.5 }, "maxTraversal"],
      [{ maxTraversl: 5 }, "maxTraversl"],
    ] as const) {
      const rejected = loadAncestorGraph({ store, wid: null, jti: tip, ...options } as never);
      await expect(rejected).rejects.toBeInstanceOf(EctConfigError);
      await expect(rejected).rejects.toBeInstanceOf(TypeError);
      await expect(rejected).rejects.toMatchObject({ code: C.CONFIG_INVALID, option });
    }
  });

  it("terminates on a stored cycle and returns it for findCycle", async () => {
    const a = ect({ exec_act: "a" });
    const b = ect({ exec_act: "b", pred: [a.jti] });
    const c = ect({ exec_act: "c", pred: [b.jti] });
    const store = new TestStore().put({ ...a, pred: [b.jti] }, b, c);
    const graph = await loadAncestorGraph({ store, wid: null, jti: c.jti });
    expect(graph.size).toBe(3);
    expect(acts(findCycle(graph)!).sort()).toEqual(["a", "b"]);
  });
});
