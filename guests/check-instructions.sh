#!/bin/sh
# Usage: check-instructions.sh OBJDUMP GUEST.elf
# Fails if the guest's code contains an instruction that ring-0 guest code cannot run
# on kvm_pvm (emulation failure or #UD), or any SSE/AVX register use.
# See /work/shared/KVM-HERE.md and guests/README.md.
set -eu
OBJDUMP=$1
ELF=$2

dis=$("$OBJDUMP" -d --no-show-raw-insn "$ELF")

# Mnemonics are matched as whole words (so "andn" does not match "and"); prefixes are
# tolerated. Register operands: any %xmm/%ymm/%zmm (covers movq/movd with xmm).
bad=$(printf '%s\n' "$dis" | grep -E -i \
  -e '(^|[[:space:]])(cmpxchg16b|popcnt|andn|shlx|shrx|sarx|rdtscp|xgetbv|xsave[a-z0-9]*|xrstor[a-z0-9]*|vzeroupper|vzeroall|pxor|movdqa|movdqu|movaps|movups|movbe|rdpid)([[:space:]]|$)' \
  -e '%[xyz]mm[0-9]' || true)

if [ -n "$bad" ]; then
    echo "error: $ELF contains instructions that kvm_pvm ring-0 code cannot run:" >&2
    printf '%s\n' "$bad" >&2
    exit 1
fi
exit 0
