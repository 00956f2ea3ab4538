using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Nattt.Turn.Hosting;

/// <summary>
/// recvfrom(2) with MSG_DONTWAIT on a socket .NET already made non-blocking, so a relay can drain every queued
/// datagram after one wake-up without an exception or an async operation per datagram (EAGAIN ends the drain).
/// Linux only; used only while no .NET receive is pending on the socket.
/// </summary>
internal static partial class RawUdp
{
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    public const int WouldBlock = -1;
    public const int Failed = -2;
    /// <summary>Large enough for sockaddr_in6 (28 bytes).</summary>
    public const int AddressCapacity = 32;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recvfrom(nint fd, byte* buffer, nint length, int flags, byte* address, ref int addressLength);

    /// <summary>Bytes received (0 for an empty datagram), <see cref="WouldBlock"/> when nothing is queued, or
    /// <see cref="Failed"/> on another error (see <paramref name="errno"/>).</summary>
    public static unsafe int TryReceive(Socket socket, Span<byte> buffer, Span<byte> address, out int addressLength, out int errno)
    {
        errno = 0;
        addressLength = address.Length;
        bool added = false;
        var handle = socket.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* b = buffer)
            fixed (byte* a = address)
            {
                nint n = recvfrom(handle.DangerousGetHandle(), b, buffer.Length, MsgDontWait, a, ref addressLength);
                if (n >= 0) return (int)n;
                errno = Marshal.GetLastPInvokeError();
                return errno == EAgain ? WouldBlock : Failed;
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
