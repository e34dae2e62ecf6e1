/**
 * The pod settings every skyline workload on Kubernetes shares (the API and the queue workers):
 * the "restricted" Pod Security profile, zone spreading and the one writable path. Pure functions,
 * so the workloads cannot drift apart on them.
 */
import { API_CONTAINER_DEFAULTS } from "../fargate-service/api-container-defaults";
import { HOSTNAME_TOPOLOGY_KEY, ZONE_TOPOLOGY_KEY } from "./workload-defaults";

const [uid, gid] = API_CONTAINER_DEFAULTS.user.split(":");

/** Non-root as the image's user, with the runtime's default seccomp profile. */
export function podSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Read-only root filesystem, no privilege escalation, every capability dropped. */
export function containerSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
  };
}

/** Pods spread evenly over zones (hard), and over nodes within a zone where possible. */
export function zoneSpread(selectorLabels: Readonly<Record<string, string>>, zoneMaxSkew: number) {
  return [
    {
      topologyKey: ZONE_TOPOLOGY_KEY,
      maxSkew: zoneMaxSkew,
      whenUnsatisfiable: "DoNotSchedule",
      labelSelector: [{ matchLabels: selectorLabels }],
    },
    {
      // Best effort within a zone: not every pod on one node.
      topologyKey: HOSTNAME_TOPOLOGY_KEY,
      maxSkew: 1,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: [{ matchLabels: selectorLabels }],
    },
  ];
}

/** The memory-backed `/tmp`: the only writable path. */
export function tmpVolume(sizeMiB: number) {
  return { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: `${sizeMiB}Mi` } };
}

/** `<repository>:<tag>`, or `<repository>@sha256:…` for a digest. */
export function podImage(image: { readonly repository: string; readonly tag: string }): string {
  return `${image.repository}:${image.tag}`.replace(":sha256:", "@sha256:");
}
