// Which platform a native binary was built for, read from its header: a VSIX for win32-arm64 must carry an ARM64
// Windows DLL, not a copy of the x64 one. 64 header bytes are enough for ELF and Mach-O; PE needs its e_lfanew.

/** The target ("linux-x64", "darwin-arm64", "win32-arm64", …) a binary's header names, or a description of why not. */
export function binaryTarget(head) {
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) return elfTarget(head);
  if (head.length >= 8 && head.readUInt32LE(0) === 0xfeedfacf) return machOTarget(head);
  if (head.length >= 64 && head.toString('latin1', 0, 2) === 'MZ') return peTarget(head);
  return 'unknown format';
}

const ELF_MACHINES = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'armhf' };
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINES = { 0x8664: 'x64', 0xaa64: 'arm64', 0x014c: 'ia32' };

function elfTarget(head) {
  const machine = ELF_MACHINES[head.readUInt16LE(18)];
  return machine ? `linux-${machine}` : `ELF machine 0x${head.readUInt16LE(18).toString(16)}`;
}

function machOTarget(head) {
  const cpu = MACHO_CPUS[head.readUInt32LE(4)];
  return cpu ? `darwin-${cpu}` : `Mach-O CPU 0x${head.readUInt32LE(4).toString(16)}`;
}

function peTarget(head) {
  const pe = head.readUInt32LE(0x3c);
  if (pe + 6 > head.length) return `PE header at ${pe}, past the bytes read`;
  if (head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return 'MZ without a PE header';
  const machine = PE_MACHINES[head.readUInt16LE(pe + 4)];
  return machine ? `win32-${machine}` : `PE machine 0x${head.readUInt16LE(pe + 4).toString(16)}`;
}

/**
 * The onnxruntime library a binding loads, by the name its import table or load command holds
 * (libonnxruntime.so.1, @rpath/libonnxruntime.1.dylib, onnxruntime.dll), or undefined when it names none.
 */
export function linkedRuntime(binding) {
  const name = /libonnxruntime\.so\.\d+|libonnxruntime\.\d+\.dylib|onnxruntime\.dll/i.exec(binding.toString('latin1'));
  return name?.[0];
}
