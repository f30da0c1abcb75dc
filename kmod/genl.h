/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_GENL_H
#define AQ_GENL_H

/* The generic netlink family (see uapi/linux/aquarius.h). */
int aq_genl_init(void);
void aq_genl_exit(void);

#endif /* AQ_GENL_H */
