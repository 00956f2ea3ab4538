using System.Runtime.InteropServices;
using System.Text;

namespace Nattt.Platform.Linux;

/// <summary>
/// A Linux TUN device opened with IFF_TUN | IFF_NO_PI: each read returns one IP packet, each write injects one.
/// Reads wait with poll() and a short timeout so that a stopping daemon is never stuck in read().
/// Thread-safety: one reader thread and one writer thread may use it at the same time (the kernel serialises).
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    private const nuint TUNSETIFF = 0x400454ca;
    private const short IFF_TUN = 0x0001;
    private const short IFF_NO_PI = 0x1000;
    private const int IFNAMSIZ = 16;

    private int _fd;

    private TunDevice(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Creates (or attaches to) the TUN device <paramref name="name"/>. Throws <see cref="PlatformException"/>
    /// with a one-line reason (no /dev/net/tun, not root, name in use by another kind of device).</summary>
    public static TunDevice Open(string name)
    {
        if (Encoding.ASCII.GetByteCount(name) >= IFNAMSIZ || name.Length == 0)
            throw new PlatformException($"TUN device name '{name}' must be 1 to 15 characters");
        var fd = LinuxNative.Open("/dev/net/tun", LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new PlatformException($"cannot open /dev/net/tun: {LinuxNative.Describe(errno)}" +
                                        (errno == 13 || errno == 1 ? " (run as root or with CAP_NET_ADMIN)" : ""));
        }
        // struct ifreq { char ifr_name[16]; short ifr_flags; ... } padded to 40 bytes.
        var ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, IFNAMSIZ));
        *(short*)(ifr + IFNAMSIZ) = IFF_TUN | IFF_NO_PI;
        if (LinuxNative.Ioctl(fd, TUNSETIFF, ifr) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LinuxNative.Close(fd);
            throw new PlatformException($"cannot create TUN device {name}: {LinuxNative.Describe(errno)}" +
                                        (errno == 1 ? " (needs CAP_NET_ADMIN)" : ""));
        }
        return new TunDevice(fd, name);
    }

    /// <summary>Reads one packet into <paramref name="buffer"/>. Returns its length, or 0 if none arrived within
    /// <paramref name="timeoutMs"/>. Throws <see cref="ObjectDisposedException"/> once disposed.</summary>
    public int Read(Span<byte> buffer, int timeoutMs)
    {
        var fd = _fd;
        ObjectDisposedException.ThrowIf(fd < 0, this);
        LinuxNative.PollFd pfd = new() { Fd = fd, Events = LinuxNative.POLLIN };
        var ready = LinuxNative.Poll(&pfd, 1, timeoutMs);
        if (ready <= 0)
        {
            if (ready < 0 && Marshal.GetLastPInvokeError() is var e && e != LinuxNative.EINTR)
                throw new PlatformException($"poll on {Name}: {LinuxNative.Describe(e)}");
            return 0;
        }
        fixed (byte* p = buffer)
        {
            var n = LinuxNative.Read(fd, p, (nuint)buffer.Length);
            if (n >= 0) return (int)n;
            var errno = Marshal.GetLastPInvokeError();
            if (errno is LinuxNative.EINTR or LinuxNative.EAGAIN) return 0;
            if (_fd < 0) throw new ObjectDisposedException(nameof(TunDevice));
            throw new PlatformException($"read from {Name}: {LinuxNative.Describe(errno)}");
        }
    }

    /// <summary>Injects one IP packet. Returns false when the kernel refused it (e.g. the device is down); the
    /// caller counts it.</summary>
    public bool Write(ReadOnlySpan<byte> packet)
    {
        var fd = _fd;
        ObjectDisposedException.ThrowIf(fd < 0, this);
        fixed (byte* p = packet)
            return LinuxNative.Write(fd, p, (nuint)packet.Length) == packet.Length;
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LinuxNative.Close(fd);
    }
}

/// <summary>A failure of the operating system's network configuration, with a one-line reason for the operator.</summary>
public sealed class PlatformException(string message) : Exception(message);
