using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Nattt.Platform.Linux.LinuxSocketCalls;

namespace Nattt.Platform.Linux;

/// <summary>
/// Moves a whole batch of datagrams per system call with Linux's recvmmsg and sendmmsg on the socket's descriptor.
/// IPv4, IPv6 and dual-mode sockets. Owns the socket. Thread-safety as <see cref="IUdpBatchSocket"/> says.
/// </summary>
/// <remarks>
/// The descriptor is non-blocking: a receive first takes whatever is queued, and only when nothing is waits in poll()
/// for at most the receive timeout, so a busy loop pays one system call per batch and Dispose is never stuck behind
/// a blocked call. The message headers, I/O vectors and address slots are pinned arrays built once per direction
/// (so a receiving and a sending thread never share them); per batch only their pointers are refreshed.
/// </remarks>
public sealed unsafe partial class RecvmmsgUdpSocket : IUdpBatchSocket
{
    /// <summary>The most datagrams one call moves (Linux's UIO_MAXIOV is 1024; wireguard-go uses 128).</summary>
    public const int MaxBatchSize = 128;

    private readonly Socket _socket;
    private readonly int _timeoutMilliseconds;
    private readonly Headers _receive = new(); // used only by the receiving thread
    private readonly Headers _send = new();    // used only by the sending thread
    private volatile bool _disposed;

    /// <param name="socket">A bound UDP socket (IPv4, IPv6 or dual-mode); this object owns it from now on and makes it
    /// non-blocking. Use it only through this object.</param>
    /// <param name="receiveTimeout">How long <see cref="ReceiveBatch"/> waits for the first datagram.</param>
    /// <param name="segmentationOffload">Use UDP GSO (UDP_SEGMENT) on send where the kernel has it: a run of
    /// same-size datagrams to one destination leaves as one message that the kernel (or the NIC) splits.</param>
    /// <param name="receiveOffload">Use UDP GRO (UDP_GRO) on receive where the kernel has it: datagrams of one
    /// source that the kernel coalesced arrive as one message, which this socket splits back into slots.</param>
    public RecvmmsgUdpSocket(Socket socket, TimeSpan receiveTimeout, bool segmentationOffload = true,
        bool receiveOffload = true)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!LayoutsApply) throw new PlatformNotSupportedException("recvmmsg/sendmmsg need 64-bit Linux");
        if (socket.SocketType != SocketType.Dgram) throw new ArgumentException("not a datagram socket", nameof(socket));
        _socket = socket;
        _socket.Blocking = false;
        _timeoutMilliseconds = Math.Max(1, (int)receiveTimeout.TotalMilliseconds);
        _segmentation = segmentationOffload && ProbeSegmentation(socket);
        _coalescing = receiveOffload && EnableCoalescing(socket);
    }

    public string Kind => "recvmmsg/sendmmsg" + (_segmentation ? "+gso" : "") + (_coalescing ? "+gro" : "");
    public EndPoint LocalEndPoint => _socket.LocalEndPoint ?? throw new InvalidOperationException("socket not bound");
    public UdpBatchCounters Counters { get; } = new();

    public int ReceiveBatch(UdpBatch batch, int offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        batch.CheckOffset(offset);
        if (_coalescing && TakePending(batch, offset) is var pending and > 0) return pending;
        var count = Math.Min(batch.Capacity, MaxBatchSize);
        var room = (nuint)(batch.SlotSize - offset);
        var deadline = Environment.TickCount64 + _timeoutMilliseconds;
        while (true)
        {
            int received;
            if (_coalescing)
            {
                received = ReceiveCoalesced();
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    _receive.Iov[i].Base = batch.Pointer(i, offset);
                    _receive.Iov[i].Length = room;
                    _receive.Messages[i].Header.NameLength = Sockaddr.SlotSize;
                    _receive.Messages[i].Header.Flags = 0;
                }
                received = Call(&ReceiveCall, _receive, count);
            }
            if (received > 0)
            {
                var filled = _coalescing ? TakePending(batch, offset) : Collect(batch, offset, received);
                if (filled > 0) return filled;
                continue; // everything taken was dropped (truncated); look again
            }
            if (received == 0) // no message although poll said readable: the socket was shut down (Dispose)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return 0;
            }
            var errno = -received;
            if (errno == EINTR) continue;
            if (IsReflectedIcmpError(errno))
            {
                Interlocked.Increment(ref Counters.ReceiveErrorsIgnored);
                continue;
            }
            if (errno != EAGAIN) throw Failure("recvmmsg", errno);
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0 || !WaitFor(POLLIN, (int)remaining)) return 0;
        }
    }

    /// <summary>Checks each received message, keeps the good ones packed at the front of the batch.</summary>
    private int Collect(UdpBatch batch, int offset, int received)
    {
        var filled = 0;
        for (var i = 0; i < received; i++)
        {
            ref var message = ref _receive.Messages[i];
            if ((message.Header.Flags & MSG_TRUNC) != 0)
            {
                Interlocked.Increment(ref Counters.TruncatedDropped);
                continue;
            }
            var name = _receive.Name(i)[..(int)Math.Min(message.Header.NameLength, Sockaddr.SlotSize)];
            if (Sockaddr.TryRead(name, out var source) != Sockaddr.ReadFailure.None)
            {
                Interlocked.Increment(ref Counters.ReceiveErrorsIgnored);
                continue;
            }
            var length = (int)message.Length;
            if (filled != i) batch.Slot(i).Slice(offset, length).CopyTo(batch.Slot(filled)[offset..]);
            batch.Lengths[filled] = length;
            batch.Endpoints[filled] = source;
            filled++;
        }
        return filled;
    }

    /// <summary>Runs one call on the descriptor with the handle held, so that a concurrent Dispose cannot close (and
    /// the process reuse) the descriptor under it. Returns the call's result, or minus errno.</summary>
    private int Call(delegate*<int, MMsgHdr*, uint, int> call, Headers headers, int count, int first = 0)
    {
        var added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            var fd = (int)_socket.SafeHandle.DangerousGetHandle();
            var result = call(fd, headers.MessagePointer + first, (uint)count);
            return result >= 0 ? result : -Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added) _socket.SafeHandle.DangerousRelease();
        }
    }

    private static int ReceiveCall(int fd, MMsgHdr* messages, uint count) => RecvMMsg(fd, messages, count, 0, null);
    private static int SendCall(int fd, MMsgHdr* messages, uint count) => SendMMsg(fd, messages, count, 0);

    private bool WaitFor(short events, int timeoutMilliseconds)
    {
        var added = false;
        try
        {
            _socket.SafeHandle.DangerousAddRef(ref added);
            var poll = new PollFd { Fd = (int)_socket.SafeHandle.DangerousGetHandle(), Events = events };
            var result = Poll(&poll, 1, timeoutMilliseconds);
            if (result < 0 && Marshal.GetLastPInvokeError() is var errno && errno != EINTR) throw Failure("poll", errno);
            return result > 0;
        }
        finally
        {
            if (added) _socket.SafeHandle.DangerousRelease();
        }
    }

    private static SocketException Failure(string call, int errno) =>
        new((int)SocketError.SocketError, $"{call} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");

    /// <summary>Closes the socket; a receive waiting in another thread then throws <see cref="ObjectDisposedException"/>
    /// within the receive timeout.</summary>
    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }

    /// <summary>One direction's mmsghdr, iovec and sockaddr arrays, pinned for the socket's life, each header pointing
    /// at its own I/O vector and address slot once and for all.</summary>
    private sealed class Headers
    {
        public readonly MMsgHdr[] Messages = GC.AllocateArray<MMsgHdr>(MaxBatchSize, pinned: true);
        public readonly IOVec[] Iov = GC.AllocateArray<IOVec>(MaxBatchSize, pinned: true);
        private readonly byte[] _names = GC.AllocateArray<byte>(MaxBatchSize * Sockaddr.SlotSize, pinned: true);
        /// <summary>Per message: room for one control message (UDP_SEGMENT on send, UDP_GRO on receive).</summary>
        private const int ControlSlotSize = 32;
        private readonly byte[] _control = GC.AllocateArray<byte>(MaxBatchSize * ControlSlotSize, pinned: true);
        /// <summary>Send side: the address length of each datagram's name slot.</summary>
        public readonly uint[] NameLengths = new uint[MaxBatchSize];
        /// <summary>Send side: the first datagram (I/O vector) of each message and how many it carries.</summary>
        public readonly int[] First = new int[MaxBatchSize], Segments = new int[MaxBatchSize];

        public Headers()
        {
            for (var i = 0; i < MaxBatchSize; i++)
            {
                Messages[i].Header.Name = (byte*)Unsafe(_names) + i * Sockaddr.SlotSize;
                Messages[i].Header.Iov = (IOVec*)Unsafe(Iov) + i;
                Messages[i].Header.IovLength = 1;
            }
        }

        public MMsgHdr* MessagePointer => (MMsgHdr*)Unsafe(Messages);
        public Span<byte> Name(int i) => _names.AsSpan(i * Sockaddr.SlotSize, Sockaddr.SlotSize);
        public byte* NamePointer(int i) => (byte*)Unsafe(_names) + i * Sockaddr.SlotSize;
        public IOVec* IovPointer(int i) => (IOVec*)Unsafe(Iov) + i;
        public Span<byte> Control(int i) => _control.AsSpan(i * ControlSlotSize, ControlSlotSize);
        public byte* ControlPointer(int i) => (byte*)Unsafe(_control) + i * ControlSlotSize;

        private static void* Unsafe<T>(T[] pinned) where T : unmanaged =>
            System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
    }
}
