/**
 * IPDB: a transactional database of the network, kept in sync with the kernel by events.
 *
 * @module
 */

export {};
