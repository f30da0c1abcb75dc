/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_DEVICE_H
#define AQ_DEVICE_H

int aq_device_init(void);
void aq_device_exit(void);

#endif /* AQ_DEVICE_H */
