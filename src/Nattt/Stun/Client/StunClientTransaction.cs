namespace Nattt.Stun.Client;

/// <summary>What the owner of a transaction must do now.</summary>
public enum StunTransactionAction : byte
{
    /// <summary>Nothing until <see cref="StunClientTransaction.NextDeadline"/>.</summary>
    Wait,
    /// <summary>Send (or resend) the request.</summary>
    Send,
    /// <summary>Give up: no response came in time.</summary>
    TimedOut,
}

/// <summary>
/// A sans-I/O client transaction over UDP (RFC 8489 section 6.2.1): it only decides when to send and when to give
/// up, given the current time; the owner sends, receives, and calls <see cref="OnResponse"/> when a response with
/// the transaction ID arrives.
/// <code>
///   Start ──Send──▶ Pending ──(deadline)──▶ Send … (MaxRequests in all) ──(final wait)──▶ TimedOut
///                      └──OnResponse──▶ Completed
/// </code>
/// Not thread-safe: drive it from one task.
/// </summary>
public sealed class StunClientTransaction
{
    private readonly StunRetransmissionPolicy _policy;
    private int _sent;
    private TimeSpan _interval;

    public StunClientTransaction(StunRetransmissionPolicy policy)
    {
        policy.Validate();
        _policy = policy;
        _interval = policy.InitialRto;
    }

    public bool IsCompleted { get; private set; }
    public bool IsTimedOut { get; private set; }

    /// <summary>Requests sent so far (first send included).</summary>
    public int RequestsSent => _sent;

    /// <summary>When <see cref="OnTimer"/> must be called next; <see cref="DateTimeOffset.MaxValue"/> when done.</summary>
    public DateTimeOffset NextDeadline { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>Begins the transaction: always <see cref="StunTransactionAction.Send"/>.</summary>
    public StunTransactionAction Start(DateTimeOffset now)
    {
        if (_sent != 0) throw new InvalidOperationException("The transaction has already started.");
        _sent = 1;
        NextDeadline = now + (_policy.MaxRequests == 1 ? _policy.InitialRto * _policy.FinalWaitMultiplier : _interval);
        return StunTransactionAction.Send;
    }

    /// <summary>Advances the clock: a retransmission, the time-out, or nothing yet.</summary>
    public StunTransactionAction OnTimer(DateTimeOffset now)
    {
        if (IsCompleted || IsTimedOut || _sent == 0 || now < NextDeadline) return StunTransactionAction.Wait;
        if (_sent >= _policy.MaxRequests)
        {
            IsTimedOut = true;
            NextDeadline = DateTimeOffset.MaxValue;
            return StunTransactionAction.TimedOut;
        }
        _sent++;
        _interval *= 2;
        NextDeadline = _sent == _policy.MaxRequests ? now + _policy.InitialRto * _policy.FinalWaitMultiplier : now + _interval;
        return StunTransactionAction.Send;
    }

    /// <summary>A response with this transaction's ID arrived: the transaction is over.</summary>
    public void OnResponse()
    {
        if (IsTimedOut) return;
        IsCompleted = true;
        NextDeadline = DateTimeOffset.MaxValue;
    }
}
