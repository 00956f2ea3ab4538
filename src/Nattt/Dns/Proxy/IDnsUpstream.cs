using System.Buffers;

namespace Nattt.Dns.Proxy;

/// <summary>How a message reached the proxy, or should reach the upstream.</summary>
public enum DnsTransport { Udp, Tcp }

/// <summary>Why an upstream query got no answer.</summary>
public enum DnsUpstreamFailure { None, Timeout, TooManyPending, NetworkError }

/// <summary>
/// An upstream's answer in a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller disposes it once.
/// Its ID is the one of the query given to <see cref="IDnsUpstream.QueryAsync"/> (the random wire ID is undone).
/// </summary>
public readonly struct DnsUpstreamAnswer : IDisposable
{
    private readonly byte[]? _buffer;

    public DnsUpstreamAnswer(byte[] rentedBuffer, int length)
    {
        _buffer = rentedBuffer;
        Length = length;
        Failure = DnsUpstreamFailure.None;
    }

    public DnsUpstreamAnswer(DnsUpstreamFailure failure) => Failure = failure;

    public DnsUpstreamFailure Failure { get; }
    /// <summary>The rented buffer, for handing it over (then not disposed here).</summary>
    internal byte[]? Buffer => _buffer;
    public int Length { get; }
    public bool Succeeded => _buffer is not null;
    public ReadOnlySpan<byte> Span => _buffer is null ? [] : _buffer.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _buffer is null ? default : _buffer.AsMemory(0, Length);

    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
    }
}

/// <summary>
/// The proxy's way to the upstream resolvers: the only I/O the engine does, injected so that unit tests answer from
/// an in-memory zone. Implementations send with a fresh random ID (and, over UDP, a fresh random source port), accept
/// only an answer that matches the server, the ID and the question (<see cref="DnsAnswerMatcher"/>), and give up
/// after a timeout per server. Thread-safe.
/// </summary>
public interface IDnsUpstream
{
    /// <param name="query">A complete query message; its ID is kept for the answer.</param>
    /// <param name="transport">UDP (falls back to TCP on a truncated answer only when
    /// <paramref name="tcpFallback"/>), or TCP.</param>
    /// <param name="tcpFallback">Retry over TCP when the UDP answer has TC set (the proxy's own lookups); a client's
    /// forwarded UDP query instead gets the truncated answer, so that the client itself retries over TCP.</param>
    ValueTask<DnsUpstreamAnswer> QueryAsync(ReadOnlyMemory<byte> query, DnsTransport transport, bool tcpFallback, CancellationToken cancellationToken);
}

/// <summary>
/// What the proxy sends back for one query: a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the upstream's
/// answer itself when passed through) and its length. Empty (<see cref="IsEmpty"/>) when nothing is to be sent.
/// The receiver disposes it once, after sending.
/// </summary>
public readonly struct DnsProxyResponse : IDisposable
{
    private readonly byte[]? _buffer;

    public DnsProxyResponse(byte[] rentedBuffer, int length)
    {
        _buffer = rentedBuffer;
        Length = length;
    }

    public int Length { get; }
    public bool IsEmpty => _buffer is null || Length <= 0;
    public ReadOnlySpan<byte> Span => _buffer is null ? [] : _buffer.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _buffer is null ? default : _buffer.AsMemory(0, Length);

    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
    }
}
