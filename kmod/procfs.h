/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_PROCFS_H
#define AQ_PROCFS_H

struct net;

int aq_procfs_init(struct net *net);
void aq_procfs_exit(struct net *net);

#endif /* AQ_PROCFS_H */
