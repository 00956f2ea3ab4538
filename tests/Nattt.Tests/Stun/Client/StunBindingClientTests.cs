using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nattt.Stun.Client;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Client;

/// <summary>The Binding client on a fake clock: retransmissions and the time-out come from the transaction.</summary>
public class StunBindingClientTests
{
    /// <summary>A socket that records what is sent and never receives anything.</summary>
    private sealed class SilentTransport : IStunDatagramTransport
    {
        public List<byte[]> Sent { get; } = [];
        public IPEndPoint LocalEndPoint { get; } = IPEndPoint.Parse("10.0.0.2:40000");

        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken)
        {
            lock (Sent) Sent.Add(datagram.ToArray());
            return ValueTask.CompletedTask;
        }

        public async ValueTask<(int Length, IPEndPoint Remote)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public void Dispose() { }
    }

    [Fact]
    public async Task RequestAsync_NoAnswer_SendsRcRequestsWithOneTransactionIdThenNull()
    {
        var clock = new FakeTimeProvider();
        var socket = new SilentTransport();
        var client = new StunBindingClient(clock, StunRetransmissionPolicy.Interactive);
        var request = client.RequestAsync(socket, IPEndPoint.Parse("203.0.113.1:3478"));
        var advanced = TimeSpan.Zero;
        while (!request.IsCompleted && advanced < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
        }
        Assert.True(request.IsCompleted, "the transaction never timed out");
        Assert.Null(await request);
        Assert.Equal(StunRetransmissionPolicy.Interactive.MaxRequests, socket.Sent.Count);
        // Never earlier than the policy's total (later only if this loop advanced the clock before the client armed a timer).
        Assert.True(advanced >= StunRetransmissionPolicy.Interactive.TotalTimeout, $"gave up after {advanced}");
        Assert.Single(socket.Sent.Select(r => Convert.ToHexString(r, 8, 12)).Distinct()); // retransmissions keep the transaction ID
        Assert.Equal(StunError.None, StunMessageReader.TryParse(socket.Sent[0], out var m));
        Assert.True(m.IsFingerprintValid());
    }
}
