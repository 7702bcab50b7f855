// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "dynlib.h"
#include "log.h"

static pthread_mutex_t dynlib_lock = PTHREAD_MUTEX_INITIALIZER;

static int load(struct gnv_dynlib *lib, const char *need, char *err,
		size_t errlen)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		gnv_errf(err, errlen, "%s needs %s, which is not installed "
			 "(apt install %s)", need, lib->soname, lib->package);
		return -ENOENT;
	}
	for (size_t i = 0; lib->names[i]; i++) {
		lib->fns[i] = dlsym(h, lib->names[i]);
		if (!lib->fns[i]) {
			gnv_errf(err, errlen, "%s needs %s with %s(), which "
				 "the one installed lacks (apt install %s)",
				 need, lib->soname, lib->names[i],
				 lib->package);
			dlclose(h);
			return -ENOENT;
		}
	}
	return 1;
}

int gnv_dynlib_load(struct gnv_dynlib *lib, const char *need, char *err,
		    size_t errlen)
{
	int state;

	pthread_mutex_lock(&dynlib_lock);
	if (!lib->state)
		lib->state = load(lib, need, err, errlen);
	else if (lib->state < 0)
		gnv_errf(err, errlen, "%s needs %s, which failed to load",
			 need, lib->soname);
	state = lib->state;
	pthread_mutex_unlock(&dynlib_lock);
	return state < 0 ? state : 0;
}
