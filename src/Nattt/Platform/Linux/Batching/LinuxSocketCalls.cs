using System.Runtime.InteropServices;

namespace Nattt.Platform.Linux;

/// <summary>
/// The libc calls and structures behind <see cref="RecvmmsgUdpSocket"/>, for 64-bit Linux (x86-64 and arm64 share
/// these layouts: pointers and size_t are 8 bytes). Layouts from sys/socket.h and bits/uio.h.
/// </summary>
internal static unsafe partial class LinuxSocketCalls
{
    // errno values (asm-generic/errno-base.h, errno.h)
    public const int EINTR = 4, EAGAIN = 11, ENOSYS = 38, EMSGSIZE = 90, ENETUNREACH = 101, ECONNREFUSED = 111,
        EHOSTUNREACH = 113, EPERM = 1, EACCES = 13, EAFNOSUPPORT = 97, EADDRNOTAVAIL = 99, ECONNRESET = 104,
        ENOBUFS = 105;
    public const int EIO = 5, EINVAL = 22;
    public const int MSG_TRUNC = 0x20;
    /// <summary>SOL_UDP and its options UDP_SEGMENT (GSO, linux/udp.h) and UDP_GRO.</summary>
    public const int SolUdp = 17, UdpSegment = 103, UdpGro = 104;
    public const short POLLIN = 0x1, POLLOUT = 0x4;

    [StructLayout(LayoutKind.Sequential)]
    public struct IOVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr: 56 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IOVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: 64 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>A send error about one datagram (its destination or size), not about the socket.</summary>
    /// EINVAL included: Linux answers it for a destination the bound source cannot reach (a socket bound to 127.0.0.1
    /// sending out of the host), which is about that datagram too.
    public static bool IsPerDatagramSendError(int errno) => errno is EMSGSIZE or EHOSTUNREACH or ENETUNREACH
        or ENOBUFS or EACCES or EPERM or EADDRNOTAVAIL or ECONNREFUSED or ECONNRESET or EAFNOSUPPORT or EINVAL;

    /// <summary>A receive error that reports an ICMP error about an earlier datagram, not a broken socket.</summary>
    public static bool IsReflectedIcmpError(int errno) => errno is ECONNREFUSED or ECONNRESET or EHOSTUNREACH
        or ENETUNREACH;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>Whether this process can use these layouts at all (64-bit Linux).</summary>
    public static bool LayoutsApply => OperatingSystem.IsLinux() && Environment.Is64BitProcess &&
                                       sizeof(MsgHdr) == 56 && sizeof(MMsgHdr) == 64 && sizeof(IOVec) == 16;
}
