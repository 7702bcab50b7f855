# SPDX-License-Identifier: MIT
# gnvtrace: out-of-tree build into build/. `make V=1` shows the commands.

OUT      ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PYTHON   ?= /usr/bin/python3
# One version, debian/changelog's first line: the binary and the package agree.
VERSION  := $(shell awk -F'[()]' 'NR == 1 { print $$2 }' debian/changelog)
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/gnvtrace
UNITDIR  ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# clang's own system includes, so that <linux/types.h> and friends resolve
# for the BPF target the same way as for the host.
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# No build path inside the object (and so the binary): builds reproduce.
BPFCFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-ffile-prefix-map=$(CURDIR)=. \
	-Wsign-compare -Iinclude $(CLANG_BPF_SYS_INCLUDES)
# CFLAGS is the user's (make CFLAGS=-O0, or dpkg-buildflags'); what the
# build itself needs is apart, so that no CFLAGS loses it. include/ is
# what the kernel side shares; user/'s rooms are named in each include.
CFLAGS    ?= -O2 -g
INCLUDES  := -Iinclude -Iuser -I$(OUT)
GNV_CFLAGS := $(INCLUDES) -std=gnu11 -Wall -Wextra -Werror \
	-Wmissing-field-initializers -Wno-unused-parameter -MMD -MP \
	-DGNV_VERSION='"$(VERSION)"'
# libpcap, libmicrohttpd and OpenSSL are loaded when a run needs them
# (user/lib/dynlib.h); tests and tools that call libpcap themselves link it.
LDLIBS    := -lbpf -lelf -lz -ljansson -lpthread
TOOL_LDLIBS := $(LDLIBS) -lpcap

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(wildcard user/*/*.c)
LIB_OBJS  := $(patsubst user/%.c,$(OUT)/user/%.o,$(LIB_SRCS))
TEST_SRCS := $(filter-out %.bpf.c,$(wildcard tests/unit/*.c tests/kern/*.c \
	tests/split/*.c tests/metrics/*.c tests/ovn/*.c tools/*.c))
TEST_BINS := $(patsubst %.c,$(OUT)/%,$(TEST_SRCS))
TEST_BPF  := $(patsubst tests/e2e/%.bpf.c,$(OUT)/tests/%.bpf.o,$(wildcard tests/e2e/*.bpf.c))

.PHONY: all check bench demo install man clean deps test-deps
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUT)/gnvtrace $(OUT)/gnvtrace.8 $(TEST_BINS) $(TEST_BPF)

deps:
	$(Q)tools/install-deps.sh

test-deps:
	$(Q)tools/install-deps.sh --test

$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h bpf/*.h) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPFCFLAGS) -c $< -o $@

$(OUT)/tests/%.bpf.o: tests/e2e/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPFCFLAGS) -c $< -o $@

# The bench's reference programs (tools/bench_ref.bpf.c).
$(OUT)/tools/%.bpf.o: tools/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPFCFLAGS) -c $< -o $@

# The skeleton embeds the object without its DWARF (BTF stays): a smaller
# binary; the object keeps it for llvm-objdump -S.
$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(LLVM_STRIP) -g $< -o $(OUT)/$*.stripped.o
	$(Q)$(BPFTOOL) gen skeleton $(OUT)/$*.stripped.o name $(notdir $*)_bpf > $@
	$(Q)rm -f $(OUT)/$*.stripped.o

$(OUT)/user/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(GNV_CFLAGS) $(CFLAGS) -c $< -o $@

# Only these include the skeleton.
$(OUT)/user/kernel/loader.o $(OUT)/user/trace/trace_file.o \
$(OUT)/tests/kern/test_kern $(OUT)/tools/bench $(OUT)/tools/bench-live: $(SKELS)
$(OUT)/tools/bench: $(OUT)/tools/bench_ref.skel.h

# The version is debian/changelog's: a new entry rebuilds what prints it.
$(OUT)/user/main.o: debian/changelog

# Made anew: "ar r" keeps members whose source is gone (a file renamed or
# split), and the link could pick such a stale object over its successor.
$(OUT)/libgnv.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUT)/gnvtrace: $(OUT)/user/main.o $(OUT)/libgnv.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(GNV_CFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/%.c $(OUT)/libgnv.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GNV_CFLAGS) $(CFLAGS) -Itests $< $(OUT)/libgnv.a $(TOOL_LDLIBS) -o $@

$(OUT)/tools/%: tools/%.c $(OUT)/libgnv.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GNV_CFLAGS) $(CFLAGS) $< $(OUT)/libgnv.a $(TOOL_LDLIBS) -o $@

$(OUT):
	$(Q)mkdir -p $@

# The README's two commands. Each installs what it needs first.
demo: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/gnvtrace
	$(Q)$(OUT)/gnvtrace --demo

check: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all.sh $(OUT)

bench: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(OUT)/tools/bench
	$(Q)$(OUT)/tools/bench-live
	$(Q)tools/bench-offline.sh $(OUT)

# The man page, from its scdoc source.
man: $(OUT)/gnvtrace.8

$(OUT)/gnvtrace.8: doc/gnvtrace.8.scd | $(OUT)
	$(call msg,SCDOC,$@)
	$(Q)scdoc <$< >$@

# What a node runs: the binary, its man page and completion, the exporter's
# systemd unit (pointing at this SBINDIR) and the deploy examples.
install: $(OUT)/gnvtrace $(OUT)/gnvtrace.8
	install -D -m 0755 $(OUT)/gnvtrace $(DESTDIR)$(SBINDIR)/gnvtrace
	install -D -m 0644 $(OUT)/gnvtrace.8 $(DESTDIR)$(MANDIR)/man8/gnvtrace.8
	install -D -m 0644 tools/gnvtrace-completion.bash $(DESTDIR)$(BASHCOMPDIR)/gnvtrace
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/gnvtrace|$(SBINDIR)/gnvtrace|' 'deploy/gnvtrace-exporter@.service' \
		>'$(DESTDIR)$(UNITDIR)/gnvtrace-exporter@.service'
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/deploy deploy/README.md \
		deploy/gnvtrace-daemonset.yaml 'deploy/gnvtrace-exporter@.service'

# `make deb`: the Debian package, built by dpkg-buildpackage in a copy of
# the tree ($(OUT)/deb/src, without .git or build output), so that the
# .deb, .buildinfo and .changes land in $(OUT)/deb/ and nothing is written
# beside the source tree. The outer make's flags stay out of it.
.PHONY: deb
deb:
	$(Q)tools/install-deps.sh --deb
	$(Q)rm -rf $(OUT)/deb && mkdir -p $(OUT)/deb/src
	$(Q)tar -c --exclude=./.git --exclude=./build \
		--exclude='./$(patsubst $(CURDIR)/%,%,$(abspath $(OUT)))' . | tar -x -C $(OUT)/deb/src
	$(Q)cd $(OUT)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -us -uc -Jauto
	$(Q)ls -l $(OUT)/deb/*.deb

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/user/*.d $(OUT)/user/*/*.d $(OUT)/tests/*/*.d \
	$(OUT)/tools/*.d)

# Fuzzing with clang's libFuzzer, ASan and UBSan: `make fuzz` builds the
# targets in tests/fuzz/ into $(OUT)/fuzz/, and tests/fuzz/run.sh runs them
# over their seed corpora. Not part of `all`: it needs clang's sanitizer
# runtimes. The user-space sources they call are compiled again with the
# same flags, so that they are instrumented too.
FUZZ_CC     ?= $(CLANG)
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -DWINDOW_LEN=4096u \
	-fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra \
	-Wno-unused-parameter -Iinclude -Iuser -MMD -MP
FUZZ_USER   := trace/capture filter/filter_compile filter/filter_words \
	filter/filter_bytes filter/inner_frame \
	filter/filter_dump filter/filter_bpf output/format \
	output/format_text output/format_json output/format_health \
	lib/abi_names lib/outbuf lib/dynlib lib/pcap_lib \
	lib/hashtab lib/log lib/ifname ovn/ovn_names ovn/ovn_rows \
	ovn/ovn_file ovn/ovn_zones health/bfd
FUZZ_OBJS   := $(patsubst %,$(OUT)/fuzz/obj/%.o,$(FUZZ_USER))
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

$(FUZZ_OBJS): $(OUT)/fuzz/obj/%.o: user/%.c | $(OUT)/fuzz/obj
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BINS): $(OUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MF $@.d $< $(FUZZ_OBJS) -ljansson -o $@

$(OUT)/fuzz/obj:
	$(Q)mkdir -p $@

-include $(wildcard $(OUT)/fuzz/*.d $(OUT)/fuzz/obj/*/*.d)

# `make check-vm`: gnvtrace on a kernel that has Geneve, Debian 12's own
# (6.1), booted under QEMU with software emulation (tests/vm/). The kernel
# package, the ELF kernel and the initramfs are cached in $(OUT)/vm/, so
# only the first run downloads; the guest's logs are left in $(OUT)/vm/.
.PHONY: check-vm
check-vm: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/run.sh $(OUT)

# `make image`: the container image the DaemonSet runs, an OCI archive in
# $(OUT)/gnvtrace-image.oci.tar, from the package `make deb` builds and
# Debian's packages (tools/build-image.sh, deploy/README.md).
.PHONY: image
image: deb
	$(Q)tools/install-deps.sh --image
	$(Q)tools/build-image.sh $(OUT)/deb/gnvtrace_$(VERSION)_$$(dpkg --print-architecture).deb \
		$(OUT)/gnvtrace-image.oci.tar
