/**
 * TaskStats: per-task statistics through the TASKSTATS generic netlink family.
 *
 * @module
 */

export {};
