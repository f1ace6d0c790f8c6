# richards.py: the Python peer of bench/richards.tas (Martin Richards' task
# scheduler, with the classes of the well-known versions, run 400 times from
# scratch). The same classes, methods and attributes as the .tas, doing the same
# operations in the same order; prints the same line.
# Differences: "is None" / "is not None" where the .tas tests the truthiness of a
# value that is an instance or nil (the same outcome, and what a Python programmer
# writes). DeviceTask keeps its pending packet in an instance attribute that
# shadows the class attribute pending = None and deletes it with del, as the .tas
# does with del_attr.


class Packet:
    def __init__(self, link, id, kind):
        self.link = link
        self.id = id
        self.kind = kind
        self.a1 = 0
        self.a2 = [0, 0, 0, 0]

    def addTo(self, queue):
        self.link = None
        if queue is None:
            return self
        last = queue
        peek = last.link
        while peek is not None:
            last = peek
            peek = last.link
        last.link = self
        return queue


class TaskControlBlock:
    def __init__(self, link, id, pri, queue, task):
        self.link = link
        self.id = id
        self.pri = pri
        self.queue = queue
        self.task = task
        state = 2                       # suspended
        if queue is not None:
            state = state | 1           # and runnable
        self.state = state

    def setRunning(self):
        self.state = 0

    def markAsNotHeld(self):
        self.state = self.state & -5

    def markAsHeld(self):
        self.state = self.state | 4

    def markAsSuspended(self):
        self.state = self.state | 2

    def markAsRunnable(self):
        self.state = self.state | 1

    def isHeldOrSuspended(self):
        state = self.state
        if state & 4:
            return True
        return state == 2

    def run(self, sched):
        packet = None
        if self.state == 3:
            packet = self.queue
            self.queue = packet.link
            self.state = 1 if self.queue is not None else 0
        return self.task.fn(packet, sched)

    def checkPriorityAdd(self, cur, packet):
        if self.queue is None:
            self.queue = packet
            self.markAsRunnable()
            if self.pri > cur.pri:
                return self
        else:
            self.queue = packet.addTo(self.queue)
        return cur


class Scheduler:
    def __init__(self):
        self.queueCount = 0
        self.holdCount = 0
        self.blocks = [None, None, None, None, None, None]
        self.list = None
        self.currentTcb = None
        self.currentId = None

    def addTask(self, id, pri, queue, task):
        tcb = TaskControlBlock(self.list, id, pri, queue, task)
        self.currentTcb = tcb
        self.list = tcb
        self.blocks[id] = tcb

    def addRunningTask(self, id, pri, queue, task):
        self.addTask(id, pri, queue, task)
        self.currentTcb.setRunning()

    def addIdleTask(self, id, pri, queue, count):
        self.addRunningTask(id, pri, queue, IdleTask(1, count))

    def addWorkerTask(self, id, pri, queue):
        self.addTask(id, pri, queue, WorkerTask(2, 0))

    def addHandlerTask(self, id, pri, queue):
        self.addTask(id, pri, queue, HandlerTask(None, None))

    def addDeviceTask(self, id, pri, queue):
        self.addTask(id, pri, queue, DeviceTask())

    def schedule(self):
        self.currentTcb = self.list
        while True:
            tcb = self.currentTcb
            if tcb is None:
                break
            if tcb.isHeldOrSuspended():
                self.currentTcb = tcb.link
            else:
                self.currentId = tcb.id
                self.currentTcb = tcb.run(self)

    def release(self, id):
        tcb = self.blocks[id]
        if tcb is None:
            return None
        tcb.markAsNotHeld()
        if tcb.pri > self.currentTcb.pri:
            return tcb
        return self.currentTcb

    def holdSelf(self):
        self.holdCount = self.holdCount + 1
        self.currentTcb.markAsHeld()
        return self.currentTcb.link

    def waitSelf(self):
        self.currentTcb.markAsSuspended()
        return self.currentTcb

    def queuePacket(self, packet):
        t = self.blocks[packet.id]
        if t is None:
            return None
        self.queueCount = self.queueCount + 1
        packet.link = None
        packet.id = self.currentId
        return t.checkPriorityAdd(self.currentTcb, packet)


class Task:
    def __init__(self, v1, v2):
        self.v1 = v1
        self.v2 = v2


class IdleTask(Task):
    def fn(self, packet, sched):
        v2 = self.v2 - 1
        self.v2 = v2
        if not v2:
            return sched.holdSelf()
        if not self.v1 & 1:
            self.v1 = self.v1 >> 1
            return sched.release(4)
        self.v1 = (self.v1 >> 1) ^ 0xD008
        return sched.release(5)


class WorkerTask(Task):
    def fn(self, packet, sched):
        if packet is None:
            return sched.waitSelf()
        self.v1 = 3 if self.v1 == 2 else 2
        packet.id = self.v1
        packet.a1 = 0
        a2 = packet.a2
        for i in range(4):
            self.v2 = self.v2 + 1
            if self.v2 > 26:
                self.v2 = 1
            a2[i] = self.v2
        return sched.queuePacket(packet)


class HandlerTask(Task):
    def fn(self, packet, sched):
        if packet is not None:
            if packet.kind == 1:
                self.v1 = packet.addTo(self.v1)
            else:
                self.v2 = packet.addTo(self.v2)
        if self.v1 is not None:
            count = self.v1.a1
            if count < 4:
                if self.v2 is not None:
                    v = self.v2
                    self.v2 = v.link
                    v.a1 = self.v1.a2[count]
                    self.v1.a1 = count + 1
                    return sched.queuePacket(v)
            else:
                v = self.v1
                self.v1 = v.link
                return sched.queuePacket(v)
        return sched.waitSelf()


class DeviceTask(Task):
    pending = None

    def __init__(self):
        pass

    def fn(self, packet, sched):
        if packet is None:
            v = self.pending
            if v is None:
                return sched.waitSelf()
            del self.pending
            return sched.queuePacket(v)
        self.pending = packet
        return sched.holdSelf()


def main():
    reps = 400
    total_queue = 0
    total_hold = 0
    bad = 0
    sched = None
    rep = 0
    while rep < reps:
        sched = Scheduler()
        sched.addIdleTask(0, 0, None, 1000)
        queue = None
        queue = Packet(queue, 1, 1)
        queue = Packet(queue, 1, 1)
        sched.addWorkerTask(1, 1000, queue)
        queue = None
        queue = Packet(queue, 4, 0)
        queue = Packet(queue, 4, 0)
        queue = Packet(queue, 4, 0)
        sched.addHandlerTask(2, 2000, queue)
        queue = None
        queue = Packet(queue, 5, 0)
        queue = Packet(queue, 5, 0)
        queue = Packet(queue, 5, 0)
        sched.addHandlerTask(3, 3000, queue)
        queue = None
        sched.addDeviceTask(4, 4000, None)
        sched.addDeviceTask(5, 5000, None)
        sched.schedule()
        total_queue = total_queue + sched.queueCount
        total_hold = total_hold + sched.holdCount
        if sched.queueCount != 2322 or sched.holdCount != 928:
            bad = bad + 1
        rep = rep + 1
    print("richards reps=" + str(rep) + " queue=" + str(sched.queueCount)
          + " hold=" + str(sched.holdCount) + " total_queue=" + str(total_queue)
          + " total_hold=" + str(total_hold) + " bad=" + str(bad))


if __name__ == "__main__":
    main()
