/**
 * A tiny evaluator for exactly the Traefik v3 rule forms sparkbaas emits: `Host`, `Path` and `PathPrefix` with one
 * backticked value each, combined with `&&`, `||` and parentheses. Anything else throws, so a new rule form cannot
 * slip past the tests unevaluated.
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

type Token = { kind: 'matcher'; name: 'Host' | 'Path' | 'PathPrefix'; value: string } | { kind: '&&' | '||' | '(' | ')' }

function tokenize(rule: string): Token[] {
  const tokens: Token[] = []
  let rest = rule
  while ((rest = rest.trimStart()) !== '') {
    const matcher = /^(Host|Path|PathPrefix)\(`([^`]*)`\)/.exec(rest)
    const op = /^(&&|\|\||\(|\))/.exec(rest)
    if (matcher) {
      tokens.push({ kind: 'matcher', name: matcher[1] as 'Host' | 'Path' | 'PathPrefix', value: matcher[2]! })
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
  if (!token.value.startsWith('/')) throw new Error(`rule evaluator: ${token.name} value ${JSON.stringify(token.value)} does not start with "/"`)
  return token.name === 'Path' ? req.path === token.value : req.path.startsWith(token.value)
}

/** Does `rule` match the request? Throws on any rule form outside the subset above. */
export function ruleMatches(rule: string, req: RuleRequest): boolean {
  if (req.path.includes('%')) throw new Error('rule evaluator: percent-encoded paths are not modelled')
  const tokens = tokenize(rule)
  let at = 0
  const expect = (kind: Token['kind']) => {
    if (tokens[at]?.kind !== kind) throw new Error(`rule evaluator: expected ${kind} in ${JSON.stringify(rule)}`)
    at++
  }
  // or := and ('||' and)* ; and := atom ('&&' atom)* ; atom := matcher | '(' or ')'
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

/** The router Traefik would pick: among those whose rule matches, the one with the longest rule; none → undefined. */
export function pickRouter<R extends { readonly rule: string }>(routers: Record<string, R>, req: RuleRequest): [string, R] | undefined {
  const matching = Object.entries(routers).filter(([, r]) => ruleMatches(r.rule, req))
  matching.sort(([, a], [, b]) => b.rule.length - a.rule.length)
  const [best, next] = matching
  if (best && next && next[1].rule.length === best[1].rule.length) {
    throw new Error(`rule evaluator: routers with equal priority both match ${req.host}${req.path}: ${best[0]}, ${next[0]}`)
  }
  return best
}
