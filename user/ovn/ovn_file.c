// SPDX-License-Identifier: MIT
/*
 * --ovn-names FILE, --ovn-ic-names FILE: the offline loader of the
 * concatenated outputs of `ovn-sbctl --format=json list TABLE` (or
 * ovn-ic-sbctl's), each table recognised by its headings and its rows
 * applied as the live client's are (gnv_ovn_names_apply), into a fresh
 * table that takes the place of the old one's contents only when the
 * whole file loaded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/log.h"
#include "ovn_model.h"

#define LOAD_MAX_BYTES (1ull << 30)

static char *read_file(const char *path, size_t *len, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;

	if (!f) {
		gnv_errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n == cap || !buf) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > LOAD_MAX_BYTES) {
				gnv_errf(err, errlen,
					       "%s: larger than 1 GiB", path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				gnv_errf(err, errlen, "%s: out of memory",
					       path);
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got)
			continue;
		if (ferror(f)) {
			gnv_errf(err, errlen, "%s: %s", path,
				       strerror(errno));
			goto fail;
		}
		break;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static bool has_heading(const json_t *headings, const char *name)
{
	const json_t *h;
	size_t i;

	json_array_foreach(headings, i, h)
		if (json_is_string(h) && !strcmp(json_string_value(h), name))
			return true;
	return false;
}

/*
 * Which table a {"data", "headings"} object lists, or -1. The
 * interconnection DB's tables first: theirs have columns the Southbound
 * tables of the same names lack (transit_switch, gateway_name,
 * availability_zone).
 */
static int table_of(const json_t *headings)
{
	if (has_heading(headings, "transit_switch") &&
	    has_heading(headings, "tunnel_key"))
		return has_heading(headings, "logical_port") ?
		       GNV_OVN_IC_PORT_BINDING : GNV_OVN_IC_DATAPATH_BINDING;
	if (has_heading(headings, "gateway_name") &&
	    has_heading(headings, "ip"))
		return GNV_OVN_IC_ENCAP;
	if (has_heading(headings, "availability_zone") &&
	    has_heading(headings, "hostname"))
		return GNV_OVN_IC_GATEWAY;
	if (json_array_size(headings) == 2 && has_heading(headings, "_uuid") &&
	    has_heading(headings, "name"))
		return GNV_OVN_IC_AVAILABILITY_ZONE;
	if (has_heading(headings, "hostname") &&
	    has_heading(headings, "encaps") && has_heading(headings, "name"))
		return GNV_OVN_CHASSIS;
	if (has_heading(headings, "chassis_name") &&
	    has_heading(headings, "ip") && has_heading(headings, "type"))
		return GNV_OVN_ENCAP;
	if (!has_heading(headings, "tunnel_key"))
		return -1;
	if (has_heading(headings, "logical_port") &&
	    has_heading(headings, "datapath"))
		return GNV_OVN_PORT_BINDING;
	if (has_heading(headings, "name") && has_heading(headings, "datapath"))
		return GNV_OVN_MULTICAST_GROUP;
	if (has_heading(headings, "external_ids") &&
	    !has_heading(headings, "datapath"))
		return GNV_OVN_DATAPATH_BINDING;
	return -1;
}

static int load_table(struct gnv_ovn_names *n, int t, const json_t *tab,
		      const char *path, char *err, size_t errlen)
{
	const json_t *headings = json_object_get(tab, "headings");
	const json_t *data = json_object_get(tab, "data");
	const char *tname = gnv_ovn_table_name(t);
	const json_t *r;
	size_t i;

	if (!has_heading(headings, "_uuid")) {
		gnv_errf(err, errlen, "%s: %s: no _uuid column", path,
			       tname);
		return -1;
	}
	json_array_foreach(data, i, r) {
		json_t *row = json_object();
		const char *uuid = NULL;
		char why[128];
		bool has_dp = false;
		__u8 dp[16];
		size_t j;
		int ret;

		if (!row) {
			gnv_errf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		if (!json_is_array(r) ||
		    json_array_size(r) != json_array_size(headings)) {
			json_decref(row);
			gnv_errf(err, errlen, "%s: %s row %zu: not as "
				       "long as the headings", path, tname,
				       i + 1);
			return -1;
		}
		for (j = 0; j < json_array_size(r); j++) {
			const char *h =
				json_string_value(json_array_get(headings, j));
			json_t *v = json_array_get(r, j);

			if (!h)
				continue;
			if (!strcmp(h, "_uuid")) {
				bool present = false;
				__u8 u[16];

				if (!ovn_json_uuid(v, u, &present) && present)
					uuid = json_string_value(
						json_array_get(v, 1));
				continue;
			}
			json_object_set(row, h, v);
		}
		if ((t == GNV_OVN_PORT_BINDING ||
		     t == GNV_OVN_MULTICAST_GROUP) &&
		    (ovn_json_uuid(json_object_get(row, "datapath"), dp,
				   &has_dp) || !has_dp ||
		     !ovn_row_find(n, ROW_DP, dp))) {
			json_decref(row);
			gnv_errf(err, errlen, "%s: %s row %zu: its "
				       "datapath is not in Datapath_Binding",
				       path, tname, i + 1);
			return -1;
		}
		if (!uuid) {
			json_decref(row);
			gnv_errf(err, errlen, "%s: %s row %zu: bad _uuid",
				       path, tname, i + 1);
			return -1;
		}
		ret = gnv_ovn_names_apply(n, t, uuid, row, why, sizeof(why));
		json_decref(row);
		if (ret < 0) {
			gnv_errf(err, errlen, "%s: %s row %zu: %s", path,
				       tname, i + 1,
				       ret == -ENOMEM ? "out of memory" : why);
			return -1;
		}
	}
	return 0;
}

int gnv_ovn_names_load(struct gnv_ovn_names *n, const char *path, char *err,
		       size_t errlen)
{
	json_t *tables[GNV_OVN_N_TABLES] = { NULL };
	struct gnv_ovn_names *fresh = NULL, tmp;
	size_t len, pos = 0, line = 1;
	int ret = -1, count = 0;
	char *buf;

	buf = read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	for (;;) {
		json_error_t je;
		json_t *v, *headings;
		int t;

		while (pos < len && strchr(" \t\r\n", buf[pos])) {
			if (buf[pos] == '\n')
				line++;
			pos++;
		}
		if (pos == len)
			break;
		v = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK,
			       &je);
		if (!v) {
			gnv_errf(err, errlen,
				       "%s: not JSON at line %zu: %s", path,
				       line + (je.line > 0 ? je.line - 1 : 0),
				       je.text);
			goto out;
		}
		for (size_t i = 0; i < (size_t)je.position && pos + i < len;
		     i++)
			line += buf[pos + i] == '\n';
		pos += je.position;
		count++;
		headings = json_object_get(v, "headings");
		if (!json_is_array(headings) ||
		    !json_is_array(json_object_get(v, "data"))) {
			json_decref(v);
			gnv_errf(err, errlen, "%s: JSON value %d is not "
				       "the output of %s --format=json list",
				       path, count,
				       (n->db == GNV_DB_IC) ? "ovn-ic-sbctl" : "ovn-sbctl");
			goto out;
		}
		t = table_of(headings);
		if (t < 0) {
			/* Another table (Chassis_Private, ...): not ours. */
			json_decref(v);
			continue;
		}
		if (gnv_ovn_table_db(t) != n->db) {
			json_decref(v);
			gnv_errf(err, errlen, "%s: %s is a table of the "
				       "OVN %s DB: give the file with %s", path,
				       gnv_ovn_table_name(t),
				       (n->db == GNV_DB_IC) ? "Southbound" :
				       "interconnection Southbound",
				       (n->db == GNV_DB_IC) ? "--ovn-names" :
				       "--ovn-ic-names");
			goto out;
		}
		if (tables[t]) {
			json_decref(v);
			gnv_errf(err, errlen, "%s: %s is listed twice",
				       path, gnv_ovn_table_name(t));
			goto out;
		}
		tables[t] = v;
	}
	if (!count) {
		gnv_errf(err, errlen, "%s: empty: expected the output "
			       "of %s --format=json list Datapath_Binding",
			       path, (n->db == GNV_DB_IC) ? "ovn-ic-sbctl" : "ovn-sbctl");
		goto out;
	}
	if (!tables[(n->db == GNV_DB_IC) ? GNV_OVN_IC_DATAPATH_BINDING :
			    GNV_OVN_DATAPATH_BINDING]) {
		gnv_errf(err, errlen, "%s: no Datapath_Binding table "
			       "(from %s --format=json list Datapath_Binding)",
			       path, (n->db == GNV_DB_IC) ? "ovn-ic-sbctl" : "ovn-sbctl");
		goto out;
	}
	fresh = (n->db == GNV_DB_IC) ? gnv_ovn_names_new_ic() : gnv_ovn_names_new();
	if (!fresh) {
		gnv_errf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (int t = 0; t < GNV_OVN_N_TABLES; t++)
		if (tables[t] && load_table(fresh, t, tables[t], path, err,
					    errlen))
			goto out;
	/* Swap the contents in; the generation moves on from n's. */
	fresh->gen = n->gen + 1;
	tmp = *n;
	*n = *fresh;
	*fresh = tmp;
	/* The contents change, not the table's place among the zones. */
	n->zone = tmp.zone;
	n->next = tmp.next;
	ret = 0;
out:
	gnv_ovn_names_free(fresh);
	for (int t = 0; t < GNV_OVN_N_TABLES; t++)
		json_decref(tables[t]);
	free(buf);
	return ret;
}
