using System.Net;
using System.Net.Sockets;

namespace Nattt.Platform.Linux;

/// <summary>
/// The portable fallback: one <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/> or SendTo per
/// datagram, with one reused <see cref="SocketAddress"/> each way, so that it allocates nothing per datagram either.
/// Owns the socket. Thread-safety as <see cref="IUdpBatchSocket"/> says.
/// </summary>
public sealed class PlainUdpSocket : IUdpBatchSocket
{
    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress; // used only by the receiving thread
    private readonly SocketAddress _sendAddress;    // used only by the sending thread
    private volatile bool _disposed;

    /// <param name="socket">A bound UDP socket (IPv4, IPv6 or dual-mode); this object owns it from now on.</param>
    /// <param name="receiveTimeout">How long <see cref="ReceiveBatch"/> waits for the first datagram.</param>
    public PlainUdpSocket(Socket socket, TimeSpan receiveTimeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Dgram) throw new ArgumentException("not a datagram socket", nameof(socket));
        _socket = socket;
        _socket.Blocking = true;
        _socket.ReceiveTimeout = Math.Max(1, (int)receiveTimeout.TotalMilliseconds);
        _receiveAddress = new SocketAddress(socket.AddressFamily);
        _sendAddress = new SocketAddress(socket.AddressFamily);
    }

    public string Kind => "plain";
    public EndPoint LocalEndPoint => _socket.LocalEndPoint ?? throw new InvalidOperationException("socket not bound");
    public UdpBatchCounters Counters { get; } = new();

    public int ReceiveBatch(UdpBatch batch, int offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        batch.CheckOffset(offset);
        var room = batch.Slot(0)[offset..];
        while (true)
        {
            int received;
            try
            {
                // With MSG_TRUNC Linux returns a datagram's real length even when it did not fit (.NET does not
                // report the truncation of a plain ReceiveFrom otherwise): a cut datagram is dropped, never delivered.
                received = _socket.ReceiveFrom(room, SocketFlags.Truncated, _receiveAddress);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return 0;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.Interrupted or SocketError.OperationAborted)
            {
                // Dispose from another thread interrupts a blocked receive; any other interruption is retried.
                ObjectDisposedException.ThrowIf(_disposed, this);
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                Interlocked.Increment(ref Counters.TruncatedDropped);
                continue;
            }
            catch (SocketException e) when (IsReflectedIcmpError(e.SocketErrorCode))
            {
                Interlocked.Increment(ref Counters.ReceiveErrorsIgnored);
                continue;
            }
            if (received > room.Length)
            {
                Interlocked.Increment(ref Counters.TruncatedDropped);
                continue;
            }
            if (Sockaddr.TryRead(_receiveAddress.Buffer.Span[.._receiveAddress.Size], out var source) != Sockaddr.ReadFailure.None)
            {
                Interlocked.Increment(ref Counters.ReceiveErrorsIgnored);
                continue;
            }
            batch.Lengths[0] = received;
            batch.Endpoints[0] = source;
            return 1;
        }
    }

    public int SendBatch(UdpBatch batch, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.CheckOffset(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, batch.Capacity);
        var sent = 0;
        for (var i = 0; i < count; i++)
        {
            var size = Sockaddr.Write(batch.Endpoints[i], _socket.AddressFamily, _sendAddress.Buffer.Span);
            if (size == 0)
            {
                Interlocked.Increment(ref Counters.SendFailed);
                continue;
            }
            _sendAddress.Size = size;
            try
            {
                _socket.SendTo(batch.Datagram(i, offset), SocketFlags.None, _sendAddress);
                sent++;
            }
            catch (SocketException e) when (IsPerDatagramSendError(e.SocketErrorCode))
            {
                // One refused datagram (no route, too big, buffer full) must not stop the rest of the batch.
                Interlocked.Increment(ref Counters.SendFailed);
            }
        }
        return sent;
    }

    /// <summary>Errors a UDP socket reports for an ICMP error about an earlier datagram: not about this receive.</summary>
    internal static bool IsReflectedIcmpError(SocketError error) => error is SocketError.ConnectionReset
        or SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable;

    /// <summary>Send errors about one datagram (its destination or size), not about the socket.</summary>
    internal static bool IsPerDatagramSendError(SocketError error) => error is SocketError.MessageSize
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NoBufferSpaceAvailable
        or SocketError.AccessDenied or SocketError.AddressNotAvailable or SocketError.ConnectionRefused
        or SocketError.ConnectionReset or SocketError.AddressFamilyNotSupported or SocketError.WouldBlock
        or SocketError.InvalidArgument; // Linux's EINVAL for a destination the bound source cannot reach

    /// <summary>Closes the socket; a receive blocked in another thread then throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }
}
