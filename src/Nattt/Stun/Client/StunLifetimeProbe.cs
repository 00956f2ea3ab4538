using System.Net;

namespace Nattt.Stun.Client;

/// <summary>
/// Binding lifetime discovery (RFC 5780 section 4.6), bounded: every probe in a round runs at once on its own
/// socket, so a round lasts about its longest idle time; two rounds in all (doubling, then refining).
/// </summary>
internal sealed class StunLifetimeProbe(IStunTransportFactory sockets, StunBindingClient client, TimeProvider time)
{
    public async Task<NatBehaviourReport> RunAsync(NatBehaviourReport report, StunBehaviourDiscoveryOptions options, List<string> notes,
        CancellationToken cancellationToken)
    {
        var server = report.Server;
        if (!await SupportsResponsePortAsync(server, notes, cancellationToken).ConfigureAwait(false))
            return report with { BindingLifetimeMeasured = false };

        var first = new List<TimeSpan>();
        for (var t = options.LifetimeMin; t < options.LifetimeMax; t *= 2) first.Add(t);
        first.Add(options.LifetimeMax);
        var (alive, dead) = await RoundAsync(server, first, cancellationToken).ConfigureAwait(false);
        if (dead is { } hi && hi - (alive ?? TimeSpan.Zero) > TimeSpan.FromSeconds(2))
        {
            var lo = alive ?? TimeSpan.Zero;
            var second = Enumerable.Range(1, 4).Select(i => lo + (hi - lo) * i / 5).ToList();
            var (alive2, dead2) = await RoundAsync(server, second, cancellationToken).ConfigureAwait(false);
            if (alive2 is { } a2 && a2 > lo) alive = a2;
            if (dead2 is { } d2 && d2 < hi) dead = d2;
        }
        if (alive is { } al && dead is { } de && al > de)
            notes.Add("binding lifetime probes disagree (a later probe was alive after an earlier one died): the NAT may be refreshing or load-dependent");
        return report with { BindingLifetimeMeasured = true, BindingLifetimeAtLeast = alive, BindingLifetimeAtMost = dead };
    }

    /// <summary>Runs one probe per idle time at once; returns the longest alive and the shortest dead idle time.</summary>
    private async Task<(TimeSpan? Alive, TimeSpan? Dead)> RoundAsync(IPEndPoint server, IReadOnlyList<TimeSpan> idleTimes, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(idleTimes.Select(t => ProbeAsync(server, t, cancellationToken))).ConfigureAwait(false);
        TimeSpan? alive = null, dead = null;
        for (int i = 0; i < idleTimes.Count; i++)
        {
            if (results[i] is null) continue;
            if (results[i] == true) alive = alive is { } x && x > idleTimes[i] ? x : idleTimes[i];
            else dead = dead is { } y && y < idleTimes[i] ? y : idleTimes[i];
        }
        return (alive, dead);
    }

    /// <summary>True: the binding was alive after <paramref name="idle"/>; false: gone; null: the probe failed.</summary>
    private async Task<bool?> ProbeAsync(IPEndPoint server, TimeSpan idle, CancellationToken cancellationToken)
    {
        using var x = sockets.Create(server);
        var binding = await client.RequestAsync(x, server, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (binding?.Mapped is null) return null;
        await Task.Delay(idle, time, cancellationToken).ConfigureAwait(false);
        using var y = sockets.Create(server);
        var options = new StunBindingRequestOptions(ResponsePort: (ushort)binding.Mapped.Port);
        var answer = await client.RequestAsync(y, server, options, receiver: x, cancellationToken: cancellationToken).ConfigureAwait(false);
        return answer is not null;
    }

    private async Task<bool> SupportsResponsePortAsync(IPEndPoint server, List<string> notes, CancellationToken cancellationToken)
    {
        using var x = sockets.Create(server);
        var binding = await client.RequestAsync(x, server, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (binding?.Mapped is null) { notes.Add("binding lifetime: no answer"); return false; }
        var check = await client.RequestAsync(x, server, new StunBindingRequestOptions(ResponsePort: (ushort)binding.Mapped.Port),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (check is { IsSuccess: true }) return true;
        notes.Add(check is null
            ? "binding lifetime: the server did not answer a RESPONSE-PORT request"
            : $"binding lifetime: the server refused RESPONSE-PORT ({check.ErrorCode} {check.ErrorReason})");
        return false;
    }
}
