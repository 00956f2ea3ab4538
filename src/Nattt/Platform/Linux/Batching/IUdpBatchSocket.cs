using System.Net;

namespace Nattt.Platform.Linux;

/// <summary>
/// A bound UDP socket that receives and sends datagrams in batches. <see cref="RecvmmsgUdpSocket"/> moves a whole
/// batch per system call (recvmmsg/sendmmsg); <see cref="PlainUdpSocket"/> is the portable fallback, one datagram per
/// call. <see cref="UdpBatchSockets.Create"/> picks one at run time.
/// </summary>
/// <remarks>Thread-safety: one thread may receive while another sends; two concurrent receives (or two concurrent
/// sends) are not supported. Dispose stops a receive within the receive timeout.</remarks>
public interface IUdpBatchSocket : IDisposable
{
    /// <summary>What carries the batches, for logs and status: "recvmmsg/sendmmsg+gso+gro", "recvmmsg/sendmmsg" or
    /// "plain".</summary>
    string Kind { get; }

    EndPoint LocalEndPoint { get; }

    /// <summary>
    /// Waits up to the receive timeout for at least one datagram, then takes as many as are queued, up to the batch's
    /// capacity (and <see cref="RecvmmsgUdpSocket.MaxBatchSize"/>; the plain socket takes one), each into its slot from <paramref name="offset"/> on, filling <see cref="UdpBatch.Lengths"/> and
    /// <see cref="UdpBatch.Endpoints"/>. Returns how many slots were filled: 0 when the timeout passed with nothing.
    /// A datagram larger than the room after <paramref name="offset"/> is dropped and counted, never delivered cut.
    /// </summary>
    int ReceiveBatch(UdpBatch batch, int offset);

    /// <summary>
    /// Sends the first <paramref name="count"/> slots: <see cref="UdpBatch.Lengths"/>[i] bytes from
    /// <paramref name="offset"/> to <see cref="UdpBatch.Endpoints"/>[i]. Returns how many were sent; a datagram the
    /// kernel refuses (no route, too big, wrong family) is skipped and counted, and the rest still go.
    /// </summary>
    int SendBatch(UdpBatch batch, int offset, int count);

    /// <summary>Always-on counters of what this socket dropped or skipped.</summary>
    UdpBatchCounters Counters { get; }
}

/// <summary>Counters of a batch socket, updated with Interlocked; readable from any thread.</summary>
public sealed class UdpBatchCounters
{
    internal long TruncatedDropped;
    internal long SendFailed;
    internal long ReceiveErrorsIgnored;

    /// <summary>Datagrams dropped on receive because they were larger than the slot's room.</summary>
    public long Truncated => Interlocked.Read(ref TruncatedDropped);
    /// <summary>Datagrams the kernel refused to send (skipped).</summary>
    public long SendFailures => Interlocked.Read(ref SendFailed);
    /// <summary>Transient receive errors (an ICMP error reflected on the socket) that the loop stepped over.</summary>
    public long ReceiveErrors => Interlocked.Read(ref ReceiveErrorsIgnored);
}
