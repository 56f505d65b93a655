// The typed CEL compile (tests/cel-check.ts): what Kubernetes 1.30's API server refuses when a ValidatingAdmissionPolicy
// is created, refused here before anything is evaluated.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  admissionEnvironment,
  compileCel,
  compileExpecting,
  policyProblems,
  TRIGGERS_ENVIRONMENT,
  typeName,
} from "./cel-check";

const env = admissionEnvironment();
const type = (expression: string) => typeName(compileCel(expression, env));

describe("compileCel in Kubernetes 1.30's ValidatingAdmissionPolicy environment", () => {
  it("types request and namespaceObject from their declarations, object and oldObject as dyn", () => {
    assert.equal(type("request.userInfo.username"), "string");
    assert.equal(type("request.userInfo.groups"), "list(string)");
    assert.equal(type("request.kind.group == 'apps'"), "bool");
    assert.equal(type("namespaceObject.metadata.labels"), "map(string, string)");
    assert.equal(type("object.spec.anything.at.all"), "dyn");
    assert.equal(type("has(oldObject.spec) && oldObject.spec.x == object.spec.x"), "bool");
    assert.equal(type("object.spec.containers.all(c, c.image.startsWith('ghcr.io/'))"), "bool");
    assert.equal(type("object.spec.containers.map(c, c.name)"), "list(dyn)");
    assert.equal(type("request.userInfo.groups.exists(g, g == 'system:masters')"), "bool");
  });

  it("refuses a misspelt request field, naming it and its type", () => {
    assert.throws(
      () => compileCel("request.userinfo.username == 'x'", env),
      /undefined field 'userinfo' of kubernetes\.AdmissionRequest/,
    );
    assert.throws(() => compileCel("request.uid == 'x'", env), /undefined field 'uid'/);
    assert.throws(
      () => compileCel("namespaceObject.metadata.label['a'] == 'b'", env),
      /undefined field 'label'/,
    );
  });

  it("refuses an undeclared variable or function, and one of a later Kubernetes", () => {
    assert.throws(() => compileCel("obj.spec == 1", env), /undeclared reference to 'obj'/);
    assert.throws(
      () => compileCel("object.spec.name.sha256() == 'x'", env),
      /undeclared reference to 'sha256'/,
    );
    // ext.Strings' reverse is version 3; Kubernetes 1.30 has version 2.
    assert.throws(() => compileCel("object.name.reverse() == 'x'", env), /undeclared reference to 'reverse'/);
    // IP and CIDR: a 1.30 server compiles new expressions at its compatibility version, 1.29, which lacks them.
    assert.throws(() => compileCel("isIP('10.0.0.1')", env), /undeclared reference to 'isIP'/);
    assert.throws(
      () => compileCel("cidr('10.0.0.0/8').prefixLength() == 8", env),
      /undeclared reference to 'cidr'/,
    );
    // params exists only for a policy with a paramKind.
    assert.throws(() => compileCel("params.x == 1", env), /undeclared reference to 'params'/);
    assert.equal(typeName(compileCel("params.x == 1", admissionEnvironment({ params: true }))), "bool");
  });

  it("knows the 1.30 libraries: strings v2, lists, regex, URLs, quantity, sets, authz", () => {
    for (const expression of [
      "object.name.lowerAscii().split('-').join('/') == 'a/b'",
      "[1, 2, 3].isSorted() && [1, 2].sum() == 3",
      "object.name.find('[a-z]+') == 'a' && object.name.findAll('x').size() == 0",
      "url('https://a.example/x').getHost() == 'a.example'",
      "quantity('1Gi').isLessThan(quantity('2Gi'))",
      "sets.contains([1, 2], [1])",
      "authorizer.group('apps').resource('deployments').namespace('ns').check('create').allowed()",
      "authorizer.requestResource.check('get').allowed()",
      "strings.quote(object.name) != ''",
    ])
      assert.equal(type(expression), "bool", expression);
  });

  it("numbers are ints: int and double do not mix, list literals are homogeneous", () => {
    assert.equal(type("1 + 2"), "int");
    // dyn + int: the only `_+_` overload that takes an int as its second argument is int + int, so the sum is typed int.
    assert.equal(type("object.spec.replicas + 1"), "int");
    assert.throws(
      () => compileCel("1 + 1.0 == 2", env),
      /no matching overload for '_\+_' applied to '\(int, double\)'/,
    );
    assert.throws(() => compileCel("1 == 1.0", env), /no matching overload for '_==_'/);
    // Cross-type numeric comparisons are in since 1.28.
    assert.equal(type("1 < 1.5"), "bool");
    assert.throws(
      () => compileCel("[1, 'a'].size() == 2", env),
      /expected type 'int' but found 'string' in a list literal/,
    );
    assert.throws(
      () => compileCel("'a' + 1 == 'a1'", env),
      /no matching overload for '_\+_' applied to '\(string, int\)'/,
    );
  });

  it("compiles regex literals as RE2 does: lookahead, backreferences and huge repeats are refused", () => {
    assert.equal(type("object.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')"), "bool");
    assert.throws(
      () => compileCel("object.name.matches('(?=x)')", env),
      /invalid regular expression in matches\(\)/,
    );
    assert.throws(() => compileCel("object.name.matches('(a)\\\\1')", env), /invalid regular expression/);
    assert.throws(
      () => compileCel("object.name.find('x{1001}') == ''", env),
      /invalid regular expression in find\(\)/,
    );
    assert.throws(
      () => compileCel("matches(object.name, '(')", env),
      /invalid regular expression in matches\(\)/,
    );
  });

  it("checks the output type exactly: a validation must be bool, not dyn", () => {
    assert.throws(
      () => compileExpecting("object.spec.enabled", env, "bool"),
      /must evaluate to bool but got dyn/,
    );
    assert.throws(() => compileExpecting("'x'", env, "bool"), /must evaluate to bool but got string/);
    assert.equal(compileExpecting("'refused: ' + object.metadata.name", env, "string").k, "string");
  });

  it("reports every problem of an expression at once", () => {
    assert.throws(
      () => compileCel("request.usr == 'a' && object.x.nope() && request.name.matches('(')", env),
      (e: Error) =>
        /undefined field 'usr'/.test(e.message) &&
        /undeclared reference to 'nope'/.test(e.message) &&
        /invalid regular expression/.test(e.message),
    );
  });
});

describe("policyProblems: every expression of a policy, as the API server compiles it on create", () => {
  const policy = (spec: object) => ({ metadata: { name: "p" }, spec });

  it("variables first, typed, then validations, messageExpressions and matchConditions", () => {
    assert.deepEqual(
      policyProblems(
        policy({
          variables: [
            { name: "user", expression: "request.userInfo.username" },
            { name: "ok", expression: "variables.user.startsWith('system:')" },
          ],
          matchConditions: [{ name: "m", expression: "variables.ok" }],
          validations: [{ expression: "variables.ok", messageExpression: "'denied for ' + variables.user" }],
        }),
      ),
      [],
    );
  });

  it("names where each problem sits", () => {
    assert.deepEqual(
      policyProblems(
        policy({
          variables: [{ name: "n", expression: "request.userInfo.username.size()" }],
          matchConditions: [{ name: "m", expression: "request.nme == 'x'" }],
          validations: [
            { expression: "variables.n.startsWith('a')" },
            { expression: "true", messageExpression: "variables.n" },
            { expression: "variables.missing" },
          ],
        }),
      ).map((p) => p.replace(/: .*/, "")),
      [
        "p spec.matchConditions[0] (m)",
        "p spec.validations[0].expression",
        "p spec.validations[1].messageExpression",
        "p spec.validations[2].expression",
      ],
    );
  });
});

describe("compileCel in Triggers' CEL interceptor environment", () => {
  it("body is a map of dyn, the strings extension is there, an unknown variable is not", () => {
    assert.equal(
      typeName(compileCel("body.ref == 'refs/heads/main' && !body.deleted", TRIGGERS_ENVIRONMENT)),
      "bool",
    );
    assert.equal(
      typeName(compileCel("body.repository.full_name.lowerAscii()", TRIGGERS_ENVIRONMENT)),
      "string",
    );
    assert.throws(
      () => compileCel("payload.ref == 'x'", TRIGGERS_ENVIRONMENT),
      /undeclared reference to 'payload'/,
    );
  });
});
