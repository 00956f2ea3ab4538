using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Nattt.Turn.Hosting;

/// <summary>
/// One thread that waits on every UDP socket of the server at once (epoll) and drains each ready socket with
/// non-blocking recvfrom, the way coturn's libevent loop does. A datagram then costs its two system calls and no
/// thread hop: measured, the thread-pool hand-offs of one async receive per socket cost more than the relaying.
/// Registration is thread-safe (<see cref="_handlers"/> is guarded by itself); handlers run on the loop thread.
/// </summary>
internal sealed partial class UdpEventLoop : IDisposable
{
    private const int EpollIn = 0x001;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, nint fd, ref EpollEvent ev);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    private readonly int _epoll;
    private readonly Dictionary<ulong, (Socket Socket, Action Ready)> _handlers = []; // guarded by itself
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private ulong _nextId;
    private volatile bool _stopping;

    public UdpEventLoop(ILogger logger)
    {
        _logger = logger;
        _epoll = epoll_create1(0x80000 /* EPOLL_CLOEXEC */);
        if (_epoll < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        _thread = new Thread(Run) { IsBackground = true, Name = "nattt-turn-udp" };
        _thread.Start();
    }

    /// <summary>Makes the socket non-blocking and calls <paramref name="ready"/> on the loop thread whenever it has
    /// datagrams (the handler drains them). Returns the registration id for <see cref="Remove"/>.</summary>
    public ulong Add(Socket socket, Action ready)
    {
        socket.Blocking = false;
        ulong id;
        lock (_handlers)
        {
            id = ++_nextId;
            _handlers[id] = (socket, ready);
        }
        var ev = new EpollEvent { Events = EpollIn, Data = id };
        if (epoll_ctl(_epoll, EpollCtlAdd, socket.Handle, ref ev) != 0)
        {
            lock (_handlers) _handlers.Remove(id);
            throw new SocketException(Marshal.GetLastPInvokeError());
        }
        return id;
    }

    /// <summary>Stops watching a socket (call before disposing it).</summary>
    public void Remove(ulong id)
    {
        (Socket Socket, Action Ready) entry;
        lock (_handlers)
        {
            if (!_handlers.Remove(id, out entry)) return;
        }
        var ev = new EpollEvent();
        try { epoll_ctl(_epoll, EpollCtlDel, entry.Socket.Handle, ref ev); }
        catch (ObjectDisposedException) { /* closed already: the kernel dropped it from the set */ }
    }

    private unsafe void Run()
    {
        const int batch = 256;
        var events = stackalloc EpollEvent[batch];
        while (!_stopping)
        {
            int n = epoll_wait(_epoll, events, batch, 200);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == 4 /* EINTR */) continue;
                _logger.LogError("epoll_wait failed: errno {Errno}", errno);
                return;
            }
            for (int i = 0; i < n; i++)
            {
                Action? ready;
                lock (_handlers) ready = _handlers.TryGetValue(events[i].Data, out var h) ? h.Ready : null;
                ready?.Invoke();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        close(_epoll);
    }
}
