package io.parley.messaging;

/**
 * Which nodes a node admits as peers: any node of its cluster, or only the ones it was configured with (a closed
 * cluster). Set with {@link NodeBuilder#admission(AdmissionPolicy)}.
 */
public enum AdmissionPolicy {
    /**
     * Any node of the cluster may connect, and members named in gossip, seeds and DNS names are learnt, up to
     * {@link Limits#maxMembers()}. The default.
     */
    OPEN,
    /**
     * Only the peers configured with {@link NodeBuilder#peer} or {@link Node#addPeer}: a connection from any other
     * id is refused with {@code CODE_NOT_ADMITTED}, a seed or DNS address whose node has another id is not kept,
     * and gossip about other ids is ignored.
     */
    CONFIGURED_ONLY
}
