/**
 * A tiny evaluator for exactly the Traefik v3 rule forms sparkbaas emits: `Host`, `Path`, `PathPrefix` and
 * `PathRegexp` with one backticked value each, combined with `&&`, `||`, `!` and parentheses. Anything else throws,
 * so a new rule form cannot slip past the tests unevaluated.
 *
 * `PathRegexp` is Go's regexp (RE2) on the routing path (matcher.go `pathRegexp`: `re.MatchString`, unanchored);
 * here a JavaScript RegExp, which means the same for the subset sparkbaas writes (groups, `(?:…)`, classes,
 * alternation, `^`/`$`). `!` negates the matcher or group after it (pkg/rules/parser.go `notFunc`/`invert`).
 *
 * Semantics, from traefik/traefik `pkg/muxer/http/matcher.go`: `Path` compares the routing path for equality,
 * `PathPrefix` is a plain `strings.HasPrefix` (not segment-aware), `Host` compares the lowercased request host.
 * The routing path (`pkg/muxer/http/mux.go`, `withRoutingPath`) is the escaped path with non-reserved escapes
 * decoded; callers here pass paths without `%`, where it is the path itself. `&&` binds tighter than `||` and
 * parentheses group (docs/content/reference/routing-configuration/http/routing/rules-and-priority.md: "the usual
 * AND (&&) and OR (||) logical operators … with the expected precedence rules, as well as parentheses"; parsed by
 * vulcand/predicate in `pkg/rules/parser.go`). Among matching routers the longest rule wins (same page, and
 * `GetRulePriority` in `pkg/muxer/http/mux.go`: priority = len(rule)).
 */

export interface RuleRequest {
  readonly host: string
  readonly path: string
}

type MatcherName = 'Host' | 'Path' | 'PathPrefix' | 'PathRegexp'
type Token = { kind: 'matcher'; name: MatcherName; value: string } | { kind: '&&' | '||' | '!' | '(' | ')' }

function tokenize(rule: string): Token[] {
  const tokens: Token[] = []
  let rest = rule
  while ((rest = rest.trimStart()) !== '') {
    const matcher = /^(Host|PathRegexp|PathPrefix|Path)\(`([^`]*)`\)/.exec(rest)
    const op = /^(&&|\|\||!|\(|\))/.exec(rest)
    if (matcher) {
      tokens.push({ kind: 'matcher', name: matcher[1] as MatcherName, value: matcher[2]! })
      rest = rest.slice(matcher[0].length)
    } else if (op) {
      tokens.push({ kind: op[1] as '&&' | '||' | '(' | ')' })
      rest = rest.slice(op[0].length)
    } else {
      throw new Error(`rule evaluator: unsupported syntax at ${JSON.stringify(rest)} in ${JSON.stringify(rule)}`)
    }
  }
  return tokens
}

function test(token: Extract<Token, { kind: 'matcher' }>, req: RuleRequest): boolean {
  if (token.name === 'Host') return req.host.toLowerCase() === token.value.toLowerCase()
  if (token.name === 'PathRegexp') return new RegExp(token.value).test(req.path)
  if (!token.value.startsWith('/')) throw new Error(`rule evaluator: ${token.name} value ${JSON.stringify(token.value)} does not start with "/"`)
  return token.name === 'Path' ? req.path === token.value : req.path.startsWith(token.value)
}

/** Does `rule` match the request? Throws on any rule form outside the subset above. */
export function ruleMatches(rule: string, req: RuleRequest): boolean {
  // withRoutingPath decodes the escapes of unreserved characters only; a reserved one (%2F, %3B) stays as sent.
  if (/%(?!2[Ff]|3[Bb])/.test(req.path)) throw new Error('rule evaluator: escapes of unreserved characters are not modelled')
  const tokens = tokenize(rule)
  let at = 0
  const expect = (kind: Token['kind']) => {
    if (tokens[at]?.kind !== kind) throw new Error(`rule evaluator: expected ${kind} in ${JSON.stringify(rule)}`)
    at++
  }
  // or := and ('||' and)* ; and := atom ('&&' atom)* ; atom := '!' atom | matcher | '(' or ')'
  const or = (): boolean => {
    let value = and()
    while (tokens[at]?.kind === '||') {
      at++
      value = and() || value
    }
    return value
  }
  const and = (): boolean => {
    let value = atom()
    while (tokens[at]?.kind === '&&') {
      at++
      value = atom() && value
    }
    return value
  }
  const atom = (): boolean => {
    const token = tokens[at]
    if (token?.kind === '!') {
      at++
      return !atom()
    }
    if (token?.kind === 'matcher') {
      at++
      return test(token, req)
    }
    expect('(')
    const value = or()
    expect(')')
    return value
  }
  const value = or()
  if (at !== tokens.length) throw new Error(`rule evaluator: trailing tokens in ${JSON.stringify(rule)}`)
  return value
}

/**
 * The router Traefik would pick: among those whose rule matches, the one with the highest priority, which is the
 * router's `priority` or else the rule's length (pkg/server/router/router.go: Priority 0 → GetRulePriority).
 * None → undefined.
 */
export function pickRouter<R extends { readonly rule: string; readonly priority?: number }>(
  routers: Record<string, R>,
  req: RuleRequest,
): [string, R] | undefined {
  const priority = (r: R) => r.priority || r.rule.length
  const matching = Object.entries(routers).filter(([, r]) => ruleMatches(r.rule, req))
  matching.sort(([, a], [, b]) => priority(b) - priority(a))
  const [best, next] = matching
  if (best && next && priority(next[1]) === priority(best[1])) {
    throw new Error(`rule evaluator: routers with equal priority both match ${req.host}${req.path}: ${best[0]}, ${next[0]}`)
  }
  return best
}
