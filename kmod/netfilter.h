/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_NETFILTER_H
#define AQ_NETFILTER_H

int aq_netfilter_init(void);
void aq_netfilter_exit(void);

#endif /* AQ_NETFILTER_H */
