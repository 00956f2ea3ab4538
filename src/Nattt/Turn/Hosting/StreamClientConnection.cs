using System.Threading.Channels;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>
/// One TCP or TLS client connection: a bounded queue of outgoing frames written by one writer task, so that the
/// engine's serial loop never blocks on a slow reader (a full queue drops the frame and counts it).
/// </summary>
internal sealed class StreamClientConnection(TurnClientKey key, Stream stream)
{
    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public TurnClientKey Key { get; } = key;
    public Stream Stream { get; } = stream;

    /// <summary>Queues a copy of a frame; false if the queue is full (the reader is too slow) or closed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> frame)
    {
        if (_outgoing.Reader.Count >= 256) return false;
        return _outgoing.Writer.TryWrite(frame.ToArray());
    }

    public void Complete() => _outgoing.Writer.TryComplete();

    /// <summary>Writes queued frames until the connection closes.</summary>
    public async Task WriteLoopAsync(CancellationToken cancel)
    {
        await foreach (var frame in _outgoing.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            await Stream.WriteAsync(frame, cancel).ConfigureAwait(false);
            if (_outgoing.Reader.Count == 0) await Stream.FlushAsync(cancel).ConfigureAwait(false);
        }
    }
}
