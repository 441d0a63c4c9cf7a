/**
 * The compose networks as NetworkPolicies. Every pod carries a label per network it is on
 * (`sparkbaas.dev/network-backend: "true"`); a default-deny policy closes every pod of the namespace to incoming
 * traffic, and one policy per network opens its pods to the pods of the same network, on any port — what a
 * compose network allows. So Postgres, on `backend` (and `spark` when Spark runs), is reachable only from the pods
 * on those networks. A service published on fixed host ports (Traefik's web ports) is also open to anyone on those
 * ports: its LoadBalancer's traffic. Outgoing traffic is not restricted (a compose `internal` network also blocks
 * the way out; on a cluster that needs egress policies that know its DNS and API server: not written).
 * NetworkPolicies take effect only where the cluster's network plugin enforces them.
 */
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js'
import { networkLabel, objectMeta, selectorLabels, type KubeContext } from './meta.js'

const COMPONENT = 'network-policy'

export function networkPolicies(ctx: KubeContext): NetworkPolicy[] {
  const { model } = ctx
  const policy = (name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    // Of the whole stack, not of one service: named after the project.
    metadata: objectMeta(ctx, name, COMPONENT, { labelName: model.project }),
    spec,
  })
  const onNetwork = (network: string) => ({ matchLabels: { [networkLabel(network)]: 'true' } })
  return [
    policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    ...model.networks.map(({ name }) =>
      policy(`network-${name}`, { podSelector: onNetwork(name), policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: onNetwork(name) }] }] }),
    ),
    ...model.services.flatMap((service) => {
      const ports = service.ports.flatMap((p) => ('port' in p.host ? [p.container] : []))
      if (ports.length === 0) return []
      return [
        policy(`${service.name}-published`, {
          podSelector: { matchLabels: selectorLabels(model, service.name) },
          policyTypes: ['Ingress'],
          ingress: [{ ports: ports.map((port) => ({ port, protocol: 'TCP' })) }],
        }),
      ]
    }),
  ]
}
