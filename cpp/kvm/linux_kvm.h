// <linux/kvm.h> for C++. The uapi headers of Linux 6.x declare flexible arrays through
// __DECLARE_FLEX_ARRAY, whose empty struct has size 1 in C++: that shifts the entries of
// kvm_cpuid2, kvm_msrs and friends and changes the ioctl numbers that encode their size.
// Redefining it as a plain zero-length array restores the C layout.
#pragma once

#include <linux/stddef.h>
#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]
#include <linux/kvm.h>

#include <cstddef>

static_assert(sizeof(kvm_cpuid2) == 8 && offsetof(kvm_cpuid2, entries) == 8, "kvm_cpuid2 must have its C layout");
static_assert(sizeof(kvm_msrs) == 8 && offsetof(kvm_msrs, entries) == 8, "kvm_msrs must have its C layout");
