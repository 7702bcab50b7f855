// SPDX-License-Identifier: MIT
/* BFD control packets (RFC 5880 4.1) in the inner frame. */
#include <errno.h>

#include "parse.h"
#include "filter/inner_frame.h"
#include "bfd.h"

int gnv_is_bfd(const struct gnv_pkt *p)
{
	return (p->flags & GNV_F_INNER_L4) && p->inner_family &&
	       p->inner_proto == GNV_IPPROTO_UDP && p->dport == GNV_BFD_UDP_PORT;
}

/*
 *  0                   1                   2                   3
 * |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 * |                       My Discriminator                        |
 * |                      Your Discriminator                       |
 * |                    Desired Min TX Interval                    |
 * |                   Required Min RX Interval                    |
 * |                 Required Min Echo RX Interval                 |
 */
static int decode(const __u8 *h, struct gnv_bfd *b)
{
	b->version = h[0] >> 5;
	b->diag = h[0] & 0x1f;
	b->state = h[1] >> 6;
	b->flags = h[1] & 0x3f;
	b->detect_mult = h[2];
	b->len = h[3];
	b->my_disc = rd32(h + 4);
	b->your_disc = rd32(h + 8);
	b->desired_min_tx_us = rd32(h + 12);
	b->required_min_rx_us = rd32(h + 16);
	b->required_min_echo_rx_us = rd32(h + 20);
	return b->version == 1 && b->len >= GNV_BFD_LEN ? 0 : -EINVAL;
}

int gnv_bfd_of_frame(const __u8 *data, size_t caplen, const struct gnv_pkt *p,
		     struct gnv_bfd *b)
{
	__u8 inner[GNV_BFD_SNAP];
	size_t len, off = 14;

	if (!gnv_is_bfd(p))
		return -EINVAL;
	len = gnv_inner_frame(data, caplen, p, inner, sizeof(inner));
	if (len < off + 1)
		return -ENODATA;
	if (p->inner_family == 4)
		off += (inner[off] & 0x0f) * 4;
	else
		off += 40;	/* BFD over IPv6 carries no extension header */
	off += 8;		/* UDP */
	if (len < off + GNV_BFD_LEN)
		return -ENODATA;
	return decode(inner + off, b);
}

const char *gnv_bfd_state_name(int state)
{
	static const char *const names[] = { "AdminDown", "Down", "Init",
					     "Up" };

	return names[state & 3];
}

const char *gnv_bfd_diag_name(int diag)
{
	static const char *const names[] = {
		"No Diagnostic", "Control Detection Time Expired",
		"Echo Function Failed", "Neighbor Signaled Session Down",
		"Forwarding Plane Reset", "Path Down",
		"Concatenated Path Down", "Administratively Down",
		"Reverse Concatenated Path Down",
	};

	return diag < (int)(sizeof(names) / sizeof(names[0])) ? names[diag] :
								"Reserved";
}
